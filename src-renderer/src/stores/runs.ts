import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RunConfigInput, RunStatus, RunSummary } from '@contract'
import { useApi } from '@renderer/api'

export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running']

export function isActive(status: RunStatus): boolean {
  return ACTIVE_STATUSES.includes(status)
}

/** newest first, the order the list shows */
function byCreatedDesc(a: RunSummary, b: RunSummary): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)
}

export const useRunsStore = defineStore('runs', () => {
  const api = useApi()
  const runs = shallowRef<RunSummary[]>([])
  const selectedRunId = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)

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

  function upsert(summary: RunSummary): void {
    const index = runs.value.findIndex((run) => run.id === summary.id)
    const next = [...runs.value]
    if (index >= 0) next[index] = summary
    else next.push(summary)
    runs.value = next.sort(byCreatedDesc)
  }

  function select(runId: string | null): void {
    selectedRunId.value = runId
  }

  /** Starts a run and selects it; throws the server's message when it refuses. */
  async function start(config: RunConfigInput): Promise<string> {
    const { runId } = await api.call('runs.start', { config })
    // The run:status event may already have inserted it; the list call fills in the summary if not.
    if (!runs.value.some((run) => run.id === runId)) await load()
    selectedRunId.value = runId
    return runId
  }

  async function cancel(runId: string): Promise<void> {
    await api.call('runs.cancel', { runId })
  }

  async function remove(runId: string): Promise<void> {
    await api.call('runs.delete', { runId })
    runs.value = runs.value.filter((run) => run.id !== runId)
    if (selectedRunId.value === runId) selectedRunId.value = null
  }

  api.onEvent((event) => {
    if (event.type === 'run:status') upsert(event.summary)
  })
  api.onReconnect(() => void load())

  return { runs, selectedRunId, selectedRun, loading, loaded, error, load, select, start, cancel, remove, upsert }
})

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
