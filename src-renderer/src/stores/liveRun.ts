/**
 * Detail of the selected run, kept current from `run:epoch` / `run:progress` events.
 * Arrays live in shallowRefs and are replaced, never mutated, so charts see one change per flush;
 * events are buffered and applied at most every FLUSH_MS so a fast trainer cannot flood the UI.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type {
  ApiEvent,
  ArchSpec,
  CostSummary,
  DistanceRows,
  EbTracePoint,
  EpochMetrics,
  ProbeInfo,
  PruningInfo,
  RunConfig,
  RunDetail,
  RunSummary,
} from '@contract'
import { useApi } from '@renderer/api'
import { isActive, useRunsStore } from './runs'

export type EpochEvent = Extract<ApiEvent, { type: 'run:epoch' }>
export type ProgressEvent = Extract<ApiEvent, { type: 'run:progress' }>

const FLUSH_MS = 100

export const useLiveRunStore = defineStore('liveRun', () => {
  const api = useApi()
  const runsStore = useRunsStore()

  const runId = ref<string | null>(null)
  const loadedSummary = shallowRef<RunSummary | null>(null)
  const config = shallowRef<RunConfig | null>(null)
  const metrics = shallowRef<EpochMetrics[]>([])
  const layers = shallowRef<string[]>([])
  const distances = shallowRef<DistanceRows>({})
  const ebTrace = shallowRef<EbTracePoint[]>([])
  const bnEbTrace = shallowRef<EbTracePoint[]>([])
  const pruning = shallowRef<PruningInfo | null>(null)
  const arch = shallowRef<{ before: ArchSpec | null; after: ArchSpec | null; costsBefore: CostSummary | null; costsAfter: CostSummary | null }>({
    before: null,
    after: null,
    costsBefore: null,
    costsAfter: null,
  })
  const probe = shallowRef<ProbeInfo | null>(null)
  const progress = shallowRef<ProgressEvent | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  /** the list's copy is the one run:status keeps fresh; the detail's copy covers the gap before */
  const summary = computed(() => runsStore.runs.find((run) => run.id === runId.value) ?? loadedSummary.value)

  let generation = 0
  let pendingEpochs: EpochEvent[] = []
  let pendingProgress: ProgressEvent | null = null
  let flushTimer: ReturnType<typeof setTimeout> | null = null
  let lastFlushAt = 0

  function reset(id: string | null): void {
    generation += 1
    runId.value = id
    loadedSummary.value = null
    config.value = null
    metrics.value = []
    layers.value = []
    distances.value = {}
    ebTrace.value = []
    bnEbTrace.value = []
    pruning.value = null
    arch.value = { before: null, after: null, costsBefore: null, costsAfter: null }
    probe.value = null
    progress.value = null
    error.value = null
    loading.value = false
    pendingEpochs = []
    pendingProgress = null
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = null
  }

  async function load(id: string): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      const detail = await api.call('runs.get', { runId: id })
      if (mine !== generation) return
      applyDetail(detail)
      error.value = null
    } catch (err) {
      if (mine !== generation) return
      error.value = err instanceof Error ? err.message : String(err)
      // Without a snapshot these cannot be placed; the next reload brings them anyway.
      pendingEpochs = []
    } finally {
      if (mine === generation) {
        loading.value = false
        // Epochs that arrived while the request was in flight and are newer than the snapshot.
        flush()
      }
    }
  }

  function applyDetail(detail: RunDetail): void {
    loadedSummary.value = detail.summary
    config.value = detail.config
    metrics.value = detail.metrics
    layers.value = detail.layers
    distances.value = detail.distances
    ebTrace.value = detail.ebTrace
    bnEbTrace.value = detail.bnEbTrace
    pruning.value = detail.pruning
    arch.value = { before: detail.archBefore, after: detail.archAfter, costsBefore: detail.costsBefore, costsAfter: detail.costsAfter }
    probe.value = detail.probe
  }

  function schedule(): void {
    if (flushTimer) return
    const wait = Math.max(0, FLUSH_MS - (performance.now() - lastFlushAt))
    flushTimer = setTimeout(flush, wait)
  }

  function flush(): void {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = null
    lastFlushAt = performance.now()
    if (pendingProgress) {
      progress.value = pendingProgress
      pendingProgress = null
    }
    // Until the snapshot is in, events cannot be placed; load() flushes again when it lands.
    if (loading.value || pendingEpochs.length === 0) return
    const events = pendingEpochs.sort((a, b) => a.metrics.epoch - b.metrics.epoch)
    pendingEpochs = []

    const nextMetrics = [...metrics.value]
    const nextTrace = [...ebTrace.value]
    const nextBnTrace = [...bnEbTrace.value]
    let enteredRetrain = false
    const nextRows: DistanceRows = { ...distances.value }
    let nextLayers = layers.value
    let gap = false
    for (const event of events) {
      const last = nextMetrics.at(-1)?.epoch ?? -Infinity
      if (event.metrics.epoch <= last) continue // already in the snapshot
      // Row t of each matrix has t + 1 entries; any other length means an epoch went missing.
      gap = Object.entries(event.distanceRows).some(([name, row]) => row.length !== (nextRows[name]?.length ?? 0) + 1)
      if (gap) break
      nextMetrics.push(event.metrics)
      nextTrace.push(event.ebTrace)
      if (event.bnEbTrace) nextBnTrace.push(event.bnEbTrace)
      if (event.metrics.phase === 'retrain' && !pruning.value) enteredRetrain = true
      for (const [name, row] of Object.entries(event.distanceRows)) nextRows[name] = [...(nextRows[name] ?? []), row]
      if (event.layers.join('\u0000') !== nextLayers.join('\u0000')) nextLayers = event.layers
    }
    if (gap) {
      if (runId.value) void load(runId.value)
      return
    }
    if (nextMetrics.length === metrics.value.length) return
    metrics.value = nextMetrics
    ebTrace.value = nextTrace
    bnEbTrace.value = nextBnTrace
    distances.value = nextRows
    layers.value = nextLayers
    // The pruning (kept channels, pruned architecture) is not in the events: fetch it once.
    if (enteredRetrain && runId.value) void load(runId.value)
  }

  api.onEvent((event) => {
    if (!('runId' in event) || event.runId !== runId.value) return
    if (event.type === 'run:epoch') {
      pendingEpochs.push(event)
      schedule()
    } else if (event.type === 'run:progress') {
      pendingProgress = event
      schedule()
    } else if (event.type === 'run:status' && !isActive(event.summary.status)) {
      flush()
      progress.value = null
      pendingProgress = null
      // The final epochs may have been sent while we were not listening (e.g. a reconnect).
      if (!loading.value && metrics.value.length < event.summary.epochsDone) void load(event.runId)
    }
  })
  api.onReconnect(() => {
    if (runId.value) void load(runId.value)
  })

  watch(
    () => runsStore.selectedRunId,
    (id) => {
      reset(id)
      if (id) void load(id)
    },
    { immediate: true },
  )

  return { runId, summary, config, metrics, layers, distances, ebTrace, bnEbTrace, pruning, arch, probe, progress, loading, error, reload: load }
})
