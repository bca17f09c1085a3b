/**
 * The Spline Lab service: implements the API contract over the run store and the one trainer.
 * Runs wait in a FIFO queue; the trainer's messages are persisted here (the only writer of the
 * database) and re-published as API events to every transport.
 */
import { checkRunnable } from './runnable'
import { inspectModel } from './inspect'
import { randomBytes } from 'node:crypto'
import {
  ApiError,
  parseRequest,
  type ApiEvent,
  type BackendInfo,
  type MethodName,
  type Params,
  type ParsedParams,
  type Result,
  type RunConfig,
  type RunDetail,
  type RunSummary,
  type SplineLabApi,
} from '../contract/api'
import { defaultDataDir } from './dataDir'
import { DatasetCatalog } from './datasets'
import { countCosts } from '../core/flops'
import { defaultRunName, expandSweep } from './sweep'
import { RunQueue } from './runQueue'
import type { RunStore } from '../store/runStore'
import type { Trainer } from '../worker/trainerClient'
import type { FromWorker } from '../worker/protocol'
import { pruneCheckpoints, removeCheckpoints, type KeepCheckpoints } from '../worker/checkpoint'
import { DbGuard, ownerGone, ownerId, prepareResume, tryFs } from './resume'
import { readCheckpoint } from '../worker/checkpoint'
import { computePartition } from './partition'
import type { PdfRenderer } from '../report/pdf'

export const VERSION = '0.1.0'

export interface ServiceOptions {
  now?: () => Date
  /** a `running` run whose heartbeat is older than this at start-up is `interrupted` */
  staleAfterMs?: number
  heartbeatMs?: number
  transport?: string
  /** the app's data folder (dataset caches, checkpoints) handed to the trainer */
  dataDir?: string
  /** built importer worker entry (out/main/importer.js); found next to the bundle by default */
  importerPath?: string
  /** HTML → PDF for `runs.export`; headless Chromium by default, Electron's printToPDF in the app */
  renderPdf?: PdfRenderer
}

type Handlers = { [M in MethodName]: (p: ParsedParams<M>) => Promise<Result<M>> | Result<M> }

/** the methods that change the database: refused, with the reason, when it is open read-only */
const WRITES = new Set<MethodName>(['runs.start', 'runs.sweep', 'runs.cancel', 'runs.delete', 'runs.resume', 'datasets.import', 'datasets.delete'])

export class SplineLabService implements SplineLabApi {
  /** a plain set: any number of transports and WebSocket clients may listen (no MaxListeners limit) */
  private readonly listeners = new Set<(event: ApiEvent) => void>()
  private readonly queue = new RunQueue<{ runId: string; config: RunConfig; resume?: { epoch: number } }>()
  /** queued runs cancelled in the current burst of calls, committed together */
  private readonly cancelling = new Set<string>()
  private closed = false
  private readonly guard: DbGuard
  private readonly owner = ownerId()
  private activeKeep: KeepCheckpoints = 'all'
  private active: string | null = null
  private readonly now: () => Date
  private heartbeatTimer: NodeJS.Timeout | null = null
  private readonly unsubscribe: () => void
  private backendInfo: BackendInfo | null = null
  private readonly datasets: DatasetCatalog

  constructor(
    private readonly store: RunStore,
    private readonly trainer: Trainer,
    private readonly options: ServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
    const staleBefore = new Date(this.now().getTime() - (options.staleAfterMs ?? 30_000)).toISOString()
    if (!store.readOnly) store.markStale(staleBefore, this.iso(), ownerGone)
    this.guard = new DbGuard(
      store,
      (runId) => trainer.cancel(runId),
      () => this.iso(),
    )
    this.unsubscribe = trainer.onMessage((m) => this.onWorker(m))
    this.datasets = new DatasetCatalog(store.db, {
      dataDir: options.dataDir ?? defaultDataDir(),
      emit: (e) => this.emit(e),
      now: this.now,
      importerPath: options.importerPath,
    })
  }

  /** why the database is open read-only (listing works, changes are refused), or null */
  get readOnly(): string | null {
    return this.store.readOnly
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const parsed = parseRequest<M>(method, params)
    if (this.store.readOnly && WRITES.has(method))
      throw new ApiError(
        'bad-request',
        `${method}: the database ${this.store.file} is open read-only (${this.store.readOnly}), so nothing can be changed; use a writable one (--db, SPLINE_LAB_HOME)`,
      )
    const handler = this.handlers[method] as (p: ParsedParams<M>) => Promise<Result<M>> | Result<M>
    return handler(parsed)
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves when no run is queued or training. */
  idle(): Promise<void> {
    if (!this.active && this.queue.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const off = this.onEvent(() => {
        if (!this.active && this.queue.size === 0) {
          off()
          resolve()
        }
      })
    })
  }

  async close(): Promise<void> {
    this.commitCancels()
    this.closed = true
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.unsubscribe()
    await this.trainer.close()
  }

  private readonly handlers: Handlers = {
    'runs.list': () => this.store.listRuns().map((s) => this.withPosition(s)),
    'runs.get': ({ runId }) => {
      const run = this.store.getRun(runId)
      if (!run) throw new ApiError('not-found', `no run '${runId}'`)
      return {
        ...run,
        summary: this.withPosition(run.summary),
        costsBefore: run.archBefore ? countCosts(run.archBefore) : null,
        costsAfter: run.archAfter ? countCosts(run.archAfter) : null,
      }
    },
    'runs.start': ({ config }) => {
      checkRunnable(config, this.datasets.list())
      const runId = this.enqueue(config)
      return { runId, status: this.store.getSummary(runId)!.status }
    },
    'runs.sweep': (request) => {
      const sweepId = `sweep-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`
      const configs = expandSweep(request)
      const datasets = this.datasets.list()
      // every run of the grid checked before any is queued: a sweep starts whole or not at all
      configs.forEach((config) => checkRunnable(config, datasets))
      const runIds = configs.map((config) => this.enqueue(config, sweepId))
      return { sweepId, runIds }
    },
    'runs.cancel': ({ runId }) => {
      const run = this.requireRun(runId)
      if (this.queue.remove(runId) || this.cancelling.has(runId)) {
        // A burst of cancels (Ctrl-C on a sweep) is committed in one transaction, and the runs
        // still waiting are told their new place once after it, not once per cancel.
        this.cancelSoon(runId)
        return { runId, status: 'cancelled' as const }
      } else if (this.active === runId) {
        this.trainer.cancel(runId)
      }
      return { runId, status: this.store.getSummary(runId)?.status ?? run.status }
    },
    'runs.delete': ({ runId }) => {
      const run = this.requireRun(runId)
      if (run.status === 'running' || run.status === 'queued') {
        throw new ApiError('conflict', `run '${runId}' is ${run.status}; cancel it before deleting`)
      }
      // Files first: a crash in between can leave a run without checkpoints, never files no row names.
      if (this.options.dataDir) tryFs(() => removeCheckpoints(this.options.dataDir!, runId))
      return { runId, deleted: this.store.deleteRun(runId) }
    },
    'runs.resume': ({ runId }) => {
      const live = this.active === runId || this.queue.has(runId)
      const { config, point } = prepareResume(this.store, runId, {
        live,
        dataDir: this.options.dataDir,
        owner: this.owner,
        at: this.iso(),
        requireTrainable: (d) => this.datasets.requireTrainable(d),
      })
      this.queue.push({ runId, config, resume: point.epoch > 0 ? { epoch: point.epoch } : undefined })
      this.publishStatus(runId)
      this.pump()
      return { runId, status: this.store.getSummary(runId)!.status, fromEpoch: point.epoch, ...(point.note ? { note: point.note } : {}) }
    },
    'datasets.list': () => this.datasets.list(),
    'datasets.import': ({ path, options }) => this.datasets.import(path, options ?? {}),
    'datasets.delete': ({ datasetId }) => this.datasets.delete(datasetId),
    'datasets.cancel': ({ path }) => this.datasets.cancel(path),
    'system.info': async () => {
      const info = this.backendInfo ?? (await this.trainer.ready())
      this.backendInfo = info
      return { ...info, version: VERSION, transport: this.options.transport, ...(this.store.readOnly ? { readOnly: this.store.readOnly } : {}) }
    },
    'models.inspect': (p) => inspectModel(p),
    'runs.partition': (p) => computePartition(this.trainer, this.handlers['runs.get']({ runId: p.runId }) as RunDetail, p, this.options.dataDir),
    // Loaded on first use: the report code carries ECharts, which start-up does not need.
    'runs.export': async (p) =>
      (await import('../report/exporter')).exportRuns(
        {
          listRuns: () => this.store.listRuns(),
          getRun: (runId) => this.handlers['runs.get']({ runId }) as RunDetail,
          app: VERSION,
          transport: this.options.transport,
          backend: this.backendInfo,
          dataDir: this.options.dataDir,
          readCheckpoint: (dir, runId) => readCheckpoint(dir, runId, undefined, { optimizer: false }),
          renderPdf: this.options.renderPdf ?? (await import('../report/pdf')).chromiumPdf,
        },
        p,
      ),
  }

  /**
   * Refuses a config whose plan cannot be built (a MACs target below one channel per layer,
   * augmentation of 2-D data, …) as `config.<field>: why`, before it is queued.
   */
  private enqueue(config: RunConfig, sweepId?: string): string {
    this.datasets.requireTrainable(config.dataset)
    checkRunnable(config, this.datasets.list())
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
    this.store.createRun({ id: runId, name: config.name || defaultRunName(config), config, createdAt: this.iso(), sweepId, owner: this.owner })
    this.queue.push({ runId, config })
    this.publishStatus(runId)
    this.pump()
    return runId
  }

  private requireRun(runId: string) {
    const run = this.store.getSummary(runId)
    if (!run) throw new ApiError('not-found', `no run '${runId}'`)
    return run
  }

  private pump(): void {
    if (this.active) return
    const next = this.queue.shift()
    if (!next) return
    this.active = next.runId
    this.activeKeep = next.config.keepCheckpoints ?? 'all'
    this.trainer.start(next.runId, next.config, this.options.dataDir, next.resume)
    // Everyone behind moved up one place.
    for (const runId of this.queue.ids()) this.publishStatus(runId)
    this.heartbeatTimer ??= setInterval(() => {
      const alive = [...(this.active ? [this.active] : []), ...this.queue.ids()]
      if (alive.length) tryFs(() => this.store.heartbeat(alive, this.iso()), 'heartbeat')
    }, this.options.heartbeatMs ?? 5_000)
    this.heartbeatTimer.unref()
  }

  private onWorker(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        this.backendInfo = m.info
        this.emit({ type: 'system:backend', info: m.info })
        return
      case 'fatal':
        // The trainer could not start; the runs waiting for it cannot run.
        for (const runId of [...this.queue.ids(), ...(this.active ? [this.active] : [])]) {
          this.store.finish(runId, 'failed', this.iso(), { error: m.error })
          this.publishStatus(runId)
        }
        this.queue.clear()
        this.active = null
        return
      case 'started':
        if (this.guard.save(m.runId, () => this.store.markStarted(m.runId, this.iso(), m.backend, m.layers, m.probe, m.arch, m.resolved)))
          this.publishStatus(m.runId)
        return
      case 'epoch': {
        if (this.guard.unsaved.has(m.runId)) return
        if (
          !this.guard.save(m.runId, () =>
            this.store.appendEpoch(m.runId, m.metrics, m.distanceRows, m.ebTrace, m.ebEpoch, this.iso(), m.bnEbTrace, m.checkpoint ?? null),
          )
        )
          return
        // Only now that the row naming the new checkpoint is committed may older files go.
        if (this.options.dataDir && m.checkpoint) tryFs(() => pruneCheckpoints(this.options.dataDir!, m.runId, m.metrics.epoch, this.activeKeep))
        this.emit({
          type: 'run:epoch',
          runId: m.runId,
          metrics: m.metrics,
          distanceRows: m.distanceRows,
          ebTrace: m.ebTrace,
          bnEbTrace: m.bnEbTrace,
          layers: Object.keys(m.distanceRows).filter((l) => l !== 'mean'),
        })
        this.publishStatus(m.runId)
        return
      }
      case 'pruned':
        if (this.guard.save(m.runId, () => this.store.markPruned(m.runId, m.arch, m.pruning))) this.publishStatus(m.runId)
        return
      case 'progress':
        this.emit({
          type: 'run:progress',
          runId: m.runId,
          epoch: m.epoch,
          batch: m.batch,
          batches: m.batches,
          phase: m.phase,
          epochs: m.epochs,
          etaSeconds: m.etaSeconds,
        })
        return
      case 'done': {
        const unsaved = this.guard.unsaved.get(m.runId)
        const { testAccuracy, ebEpoch, bnEbEpoch, params, macs, flops, trainFlops, wallSeconds, backend } = m
        const fields = { testAccuracy, ebEpoch, bnEbEpoch, params, macs, flops, trainFlops, wallSeconds, backend }
        const finish = () => this.store.finish(m.runId, m.outcome === 'finished' ? 'finished' : 'cancelled', this.iso(), fields)
        if (unsaved || !this.guard.save(m.runId, finish)) this.guard.fail(m.runId, this.guard.unsaved.get(m.runId)!)
        this.settle(m.runId)
        return
      }
      case 'failed':
        this.guard.fail(m.runId, this.guard.unsaved.get(m.runId) ?? m.error)
        this.settle(m.runId)
        return
    }
  }

  /** A queued run's summary says where it waits; others are as stored. */
  private withPosition(summary: RunSummary): RunSummary {
    const position = this.queue.position(summary.id)
    return position !== undefined ? { ...summary, queuePosition: position } : summary
  }

  /** Marks a run (already out of the queue) cancelled at the end of the current burst of calls. */
  private cancelSoon(runId: string): void {
    if (this.cancelling.has(runId)) return
    this.cancelling.add(runId)
    if (this.cancelling.size === 1) queueMicrotask(() => this.commitCancels())
  }

  private commitCancels(): void {
    const ids = [...this.cancelling]
    this.cancelling.clear()
    if (!ids.length || this.closed) return
    const at = this.iso()
    try {
      this.store.db.transaction(() => {
        for (const id of ids) this.store.finish(id, 'cancelled', at, {})
      })()
    } catch {
      // one bad row must not cost the others; a database that refuses every write says so per run
      for (const id of ids) tryFs(() => this.store.finish(id, 'cancelled', at, {}), `cancelling run ${id}`)
    }
    for (const id of ids) this.publishStatus(id)
    for (const id of this.queue.ids()) this.publishStatus(id)
  }

  private settle(runId: string): void {
    if (this.active === runId) this.active = null
    this.publishStatus(runId)
    this.pump()
  }

  private publishStatus(runId: string): void {
    const summary = this.store.getSummary(runId)
    if (summary) this.emit({ type: 'run:status', runId, summary: this.withPosition(summary) })
  }

  private emit(event: ApiEvent): void {
    for (const listener of [...this.listeners]) listener(event)
  }

  private iso(): string {
    return this.now().toISOString()
  }
}
