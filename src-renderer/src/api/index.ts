/**
 * The app-wide API client. Stores read it through `useApi()`; tests may swap it with `setApi()`
 * before the first store is created.
 */
import { createApiClient, type ApiClient } from './client'

export type { ApiClient, ApiHost, ConnectionState } from './client'

let instance: ApiClient | null = null

export function useApi(): ApiClient {
  instance ??= createApiClient()
  return instance
}

export function setApi(client: ApiClient | null): void {
  instance = client
}
