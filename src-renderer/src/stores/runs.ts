/**
 * The run list, kept current from `run:status` events (batched: a sweep queues dozens at once),
 * the multi-selection of the runs table, and when each live run was last heard from.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Params, RunConfigInput, RunStatus, RunSummary } from '@contract'
import { useApi } from '@renderer/api'

export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running']

export function isActive(status: RunStatus): boolean {
  return ACTIVE_STATUSES.includes(status)
}

/** newest first, the order the list shows */
function byCreatedDesc(a: RunSummary, b: RunSummary): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)
}

const UPSERT_BATCH_MS = 50

export const useRunsStore = defineStore('runs', () => {
  const api = useApi()
  const runs = shallowRef<RunSummary[]>([])
  const selectedRunId = ref<string | null>(null)
  /** ids ticked in the runs table (compare, export, delete) */
  const selection = shallowRef<ReadonlySet<string>>(new Set())
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** ms timestamps of the last event per run; read through `heardTick` so views refresh */
  const lastHeard = new Map<string, number>()
  const heardTick = ref(0)

  const selectedRun = computed(() => runs.value.find((run) => run.id === selectedRunId.value) ?? null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      runs.value = [...(await api.call('runs.list', {}))].sort(byCreatedDesc)
      error.value = null
      loaded.value = true
    } catch (err) {
      error.value = message(err)
    } finally {
      loading.value = false
    }
  }

  let pending = new Map<string, RunSummary>()
  let timer: ReturnType<typeof setTimeout> | null = null

  function upsert(summary: RunSummary): void {
    pending.set(summary.id, summary)
    timer ??= setTimeout(flushUpserts, UPSERT_BATCH_MS)
  }

  function flushUpserts(): void {
    timer = null
    if (!pending.size) return
    const batch = pending
    pending = new Map()
    const next = runs.value.map((run) => batch.get(run.id) ?? run)
    const known = new Set(next.map((r) => r.id))
    for (const s of batch.values()) if (!known.has(s.id)) next.push(s)
    runs.value = next.sort(byCreatedDesc)
  }

  function select(runId: string | null): void {
    selectedRunId.value = runId
  }

  function setSelection(ids: Iterable<string>): void {
    selection.value = new Set(ids)
  }

  function toggleSelected(id: string, on?: boolean): void {
    const next = new Set(selection.value)
    if (on ?? !next.has(id)) next.add(id)
    else next.delete(id)
    selection.value = next
  }

  /** Starts a run and selects it; throws the server's message when it refuses. */
  async function start(config: RunConfigInput): Promise<string> {
    const { runId } = await api.call('runs.start', { config })
    // The run:status event may already have inserted it; the list call fills in the summary if not.
    flushUpserts()
    if (!runs.value.some((run) => run.id === runId)) await load()
    selectedRunId.value = runId
    return runId
  }

  async function sweep(request: Params<'runs.sweep'>): Promise<{ sweepId: string; runIds: string[] }> {
    const result = await api.call('runs.sweep', request)
    flushUpserts()
    if (result.runIds.some((id) => !runs.value.some((r) => r.id === id))) await load()
    return result
  }

  async function cancel(runId: string): Promise<void> {
    await api.call('runs.cancel', { runId })
  }

  /** Continues an interrupted, failed or cancelled run from its last checkpoint. */
  async function resume(runId: string): Promise<{ fromEpoch: number; note?: string }> {
    return api.call('runs.resume', { runId })
  }

  async function remove(runId: string): Promise<void> {
    await removeMany([runId])
  }

  /** Deletes one by one; the ones the server refused (still running…) stay, with its reasons. */
  async function removeMany(ids: readonly string[]): Promise<string[]> {
    const gone = new Set<string>()
    const problems: string[] = []
    for (const runId of ids) {
      try {
        await api.call('runs.delete', { runId })
        gone.add(runId)
      } catch (err) {
        problems.push(message(err))
      }
    }
    runs.value = runs.value.filter((run) => !gone.has(run.id))
    selection.value = new Set([...selection.value].filter((id) => !gone.has(id)))
    if (selectedRunId.value && gone.has(selectedRunId.value)) selectedRunId.value = null
    return problems
  }

  api.onEvent((event) => {
    if ('runId' in event) lastHeard.set(event.runId, Date.now())
    if (event.type === 'run:status') upsert(event.summary)
  })
  api.onReconnect(() => void load())
  // Liveness is "time since last heard": it changes with the clock, not only with events.
  setInterval(() => heardTick.value++, 5_000)

  return {
    runs,
    selectedRunId,
    selectedRun,
    selection,
    lastHeard,
    heardTick,
    loading,
    loaded,
    error,
    load,
    select,
    setSelection,
    toggleSelected,
    start,
    sweep,
    cancel,
    resume,
    remove,
    removeMany,
    upsert,
  }
})

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
