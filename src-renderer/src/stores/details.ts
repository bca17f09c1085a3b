/**
 * Full run details for the views that read several runs at once (compare, sweeps). Fetched on
 * demand, a few at a time, cached while the run does not change, and kept out of deep
 * reactivity (markRaw): a detail holds distance matrices of thousands of numbers.
 */
import { defineStore } from 'pinia'
import { markRaw, shallowRef } from 'vue'
import type { RunDetail } from '@contract'
import { useApi } from '@renderer/api'

const PARALLEL = 4
const MAX_CACHED = 200

export const useDetailsStore = defineStore('details', () => {
  const api = useApi()
  /** replaced on every change so views re-read */
  const byId = shallowRef<ReadonlyMap<string, RunDetail>>(new Map())
  const errors = shallowRef<ReadonlyMap<string, string>>(new Map())
  const inFlight = new Map<string, Promise<void>>()

  function put(id: string, detail: RunDetail | null, error?: string): void {
    const next = new Map(byId.value)
    if (detail) next.set(id, markRaw(detail))
    else next.delete(id)
    // Oldest entries go first when the cache is full (Map keeps insertion order).
    while (next.size > MAX_CACHED) next.delete(next.keys().next().value!)
    byId.value = next
    const errs = new Map(errors.value)
    if (error) errs.set(id, error)
    else errs.delete(id)
    errors.value = errs
  }

  function fetchOne(id: string): Promise<void> {
    const running = inFlight.get(id)
    if (running) return running
    const p = api
      .call('runs.get', { runId: id })
      .then((d) => put(id, d))
      .catch((err: unknown) => put(id, null, err instanceof Error ? err.message : String(err)))
      .finally(() => inFlight.delete(id))
    inFlight.set(id, p)
    return p
  }

  /** Loads the ids not cached yet, PARALLEL at a time. */
  async function ensure(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !byId.value.has(id))
    let next = 0
    const worker = async () => {
      while (next < missing.length) await fetchOne(missing[next++]!)
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL, missing.length) }, worker))
  }

  api.onEvent((e) => {
    // A changed run is refetched the next time a view asks for it.
    if (e.type !== 'run:status') return
    const cached = byId.value.get(e.runId)
    if (cached && (cached.summary.status !== e.summary.status || cached.summary.epochsDone !== e.summary.epochsDone)) put(e.runId, null)
  })

  return { byId, errors, ensure }
})
