/**
 * The preload's side of one IPC call, without Electron: method and params checked against the
 * contract before anything crosses, and a failed invoke turned into a reply like any other, so
 * nothing the page awaits ever rejects. Imports only the contract: the preload bundle must
 * require nothing but electron.
 */
import { errorReply, IPC_PREFIX, parseRequest, type ApiReply } from '../contract/api'

export type Invoke = (channel: string, ...args: unknown[]) => Promise<unknown>

/** A contract method: validated here first, so a bad call never reaches main. */
export async function requestIpc(invoke: Invoke, method: string, params: unknown): Promise<ApiReply> {
  try {
    parseRequest(method, params)
  } catch (err) {
    return errorReply(err)
  }
  return invokeReply(invoke, `${IPC_PREFIX}${method}`, [params])
}

/** An invoke whose rejection (no handler yet, main gone) is a reply like any other. */
export async function invokeReply<T = unknown>(invoke: Invoke, channel: string, args: unknown[] = []): Promise<ApiReply<T>> {
  try {
    return (await invoke(channel, ...args)) as ApiReply<T>
  } catch {
    return { ok: false, error: { code: 'unavailable', message: `the app's main process did not answer '${channel}'` } }
  }
}
