/**
 * The Spline Lab service: implements the API contract over the run store and the one trainer.
 * Runs wait in a FIFO queue; the trainer's messages are persisted here (the only writer of the
 * database) and re-published as API events to every transport.
 */
import { inspectModel } from './inspect'
import { EventEmitter } from 'node:events'
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
import { PlanError, buildRunPlan } from '../core/plan'
import { defaultRunName, expandSweep } from './sweep'
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

export class SplineLabService implements SplineLabApi {
  private readonly events = new EventEmitter()
  private readonly queue: { runId: string; config: RunConfig; resume?: { epoch: number } }[] = []
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
    this.events.setMaxListeners(100)
    const staleBefore = new Date(this.now().getTime() - (options.staleAfterMs ?? 30_000)).toISOString()
    store.markStale(staleBefore, this.iso(), ownerGone)
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

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const parsed = parseRequest<M>(method, params)
    const handler = this.handlers[method] as (p: ParsedParams<M>) => Promise<Result<M>> | Result<M>
    return handler(parsed)
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.events.on('event', listener)
    return () => this.events.off('event', listener)
  }

  /** Resolves when no run is queued or training. */
  idle(): Promise<void> {
    if (!this.active && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const off = this.onEvent(() => {
        if (!this.active && this.queue.length === 0) {
          off()
          resolve()
        }
      })
    })
  }

  async close(): Promise<void> {
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
      const runId = this.enqueue(config)
      return { runId, status: this.store.getSummary(runId)!.status }
    },
    'runs.sweep': (request) => {
      const sweepId = `sweep-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`
      const configs = expandSweep(request)
      // every cell is checked before any is queued: a bad grid queues nothing
      for (const config of configs) this.checkPlan(config)
      const runIds = configs.map((config) => this.enqueue(config, sweepId))
      return { sweepId, runIds }
    },
    'runs.cancel': ({ runId }) => {
      const run = this.requireRun(runId)
      const queued = this.queue.findIndex((q) => q.runId === runId)
      if (queued >= 0) {
        this.queue.splice(queued, 1)
        this.store.finish(runId, 'cancelled', this.iso(), {})
        for (const id of [runId, ...this.queue.map((q) => q.runId)]) this.publishStatus(id)
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
      const live = this.active === runId || this.queue.some((q) => q.runId === runId)
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
    'system.info': async () => {
      const info = this.backendInfo ?? (await this.trainer.ready())
      this.backendInfo = info
      return { ...info, version: VERSION, transport: this.options.transport }
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
  private checkPlan(config: RunConfig): void {
    this.datasets.requireTrainable(config.dataset)
    const info = this.datasets.list().find((d) => d.id === config.dataset)
    if (!info) return
    const facts = {
      task: info.task ?? ('classification' as const),
      trainImages: Math.min(config.trainLimit ?? info.trainCount, info.trainCount),
      inputShape: info.inputShape,
      numClasses: info.numClasses,
    }
    try {
      buildRunPlan(config, facts)
    } catch (err) {
      // other refusals (a regression dataset) stay the trainer's: the run fails with the reason, as before
      if (err instanceof PlanError) throw new ApiError('bad-request', `config.${err.message}`)
    }
  }

  private enqueue(config: RunConfig, sweepId?: string): string {
    this.checkPlan(config)
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
    for (const q of this.queue) this.publishStatus(q.runId)
    this.heartbeatTimer ??= setInterval(() => {
      const alive = [...(this.active ? [this.active] : []), ...this.queue.map((q) => q.runId)]
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
        for (const q of [...this.queue, ...(this.active ? [{ runId: this.active }] : [])]) {
          this.store.finish(q.runId, 'failed', this.iso(), { error: m.error })
          this.publishStatus(q.runId)
        }
        this.queue.length = 0
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
    const i = this.queue.findIndex((q) => q.runId === summary.id)
    return i >= 0 ? { ...summary, queuePosition: i + 1 } : summary
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
    this.events.emit('event', event)
  }

  private iso(): string {
    return this.now().toISOString()
  }
}
