/**
 * Resume planning for the service: which checkpoint a stopped run continues from, and whether the
 * process that owned a `running` run is gone (so a restart need not wait for its heartbeat to age).
 */
import { hostname } from 'node:os'
import { ApiError, RunConfigSchema, describeZodError, type RunConfig } from '../contract/api'
import { committedCheckpoints, rewindRun, runConfigJson } from '../store/resumeStore'
import { loadResume } from '../worker/jobCheckpoints'
import { discardCheckpointsAfter } from '../worker/checkpoint'
import type { RunStore } from '../store/runStore'

/** host:pid of this process, recorded on the runs it trains. */
export function ownerId(): string {
  return `${hostname()}:${process.pid}`
}

/** True when `owner` is another process on this machine that no longer exists. */
export function ownerGone(owner: string): boolean {
  const at = owner.lastIndexOf(':')
  const pid = Number(owner.slice(at + 1))
  if (owner.slice(0, at) !== hostname() || !Number.isInteger(pid) || pid <= 0) return false
  // Our own pid may be shared by several services in one process (tests): trust the heartbeat.
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

export interface ResumeContext {
  /** the run is queued or training in this service */
  live: boolean
  dataDir: string | undefined
  owner: string
  at: string
  requireTrainable(dataset: string): void
}

/**
 * Checks that `runId` may resume, picks its checkpoint, and rewinds the run (rows after it
 * deleted, status queued) and its folder (later files and temporaries removed). The caller queues it.
 */
export function prepareResume(store: RunStore, runId: string, ctx: ResumeContext): { config: RunConfig; point: ResumePoint } {
  const run = store.getSummary(runId)
  if (!run) throw new ApiError('not-found', `no run '${runId}'`)
  if (ctx.live) throw new ApiError('conflict', `run '${runId}' is already ${run.status}`)
  if (run.status === 'finished') throw new ApiError('conflict', `run '${runId}' already finished`)
  if (run.status === 'running' || run.status === 'queued') {
    throw new ApiError('conflict', `run '${runId}' is ${run.status} in another process; it can be resumed once that process stops`)
  }
  const config = storedConfig(store, runId)
  ctx.requireTrainable(config.dataset)
  const point = resumePoint(store, ctx.dataDir, runId, config)
  if (!rewindRun(store.db, runId, point.epoch, point.phase, ctx.at, ctx.owner))
    throw new ApiError('conflict', `run '${runId}' changed while resuming; try again`)
  const dataDir = ctx.dataDir
  if (dataDir) tryFs(() => discardCheckpointsAfter(dataDir, runId, point.epoch))
  return { config, point }
}

/** The stored config, re-validated (it may come from an older Spline Lab). */
export function storedConfig(store: RunStore, runId: string): RunConfig {
  const raw = runConfigJson(store.db, runId)
  if (raw === null) throw new ApiError('not-found', `no run '${runId}'`)
  const parsed = RunConfigSchema.safeParse(JSON.parse(raw))
  if (!parsed.success) throw new ApiError('bad-request', `run '${runId}' has a config this version cannot train: ${describeZodError(parsed.error, 'config')}`)
  return parsed.data
}

export interface ResumePoint {
  /** 0: no usable checkpoint, the run starts again */
  epoch: number
  phase: string | null
  note?: string
}

/**
 * The newest committed checkpoint that reads back intact, with its spline codes, written for this
 * config. Only the newest keeps momentum buffers; if it is damaged an older one is used and the
 * momentum restarts there (said in the note), which beats training every epoch again.
 */
export function resumePoint(store: RunStore, dataDir: string | undefined, runId: string, config: RunConfig): ResumePoint {
  const committed = committedCheckpoints(store.db, runId)
  if (committed.length === 0) return { epoch: 0, phase: null, note: 'no checkpoint was committed: the run starts again' }
  if (!dataDir) return { epoch: 0, phase: null, note: 'no data folder holds checkpoints: the run starts again' }
  const skipped: string[] = []
  for (const c of committed) {
    try {
      const { data } = loadResume(dataDir, runId, c.epoch, config)
      const notes = [
        ...(skipped.length ? [`skipped unusable checkpoints: ${skipped.join('; ')}`] : []),
        ...(data.optimizer ? [] : [`epoch ${c.epoch} has no momentum buffers: SGD momentum restarts there`]),
      ]
      return { epoch: c.epoch, phase: c.phase, note: notes.length ? notes.join('; ') : undefined }
    } catch (err) {
      skipped.push(err instanceof Error ? err.message : String(err))
    }
  }
  return { epoch: 0, phase: null, note: `no usable checkpoint (${skipped.slice(0, 3).join('; ')}): the run starts again` }
}

/** A database error in words: the disk is full, the file is read-only, … */
export function dbReason(err: unknown): string {
  const e = err as { code?: string; message?: string }
  switch (e?.code) {
    case 'SQLITE_FULL':
      return 'the disk is full (SQLITE_FULL)'
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_CANTOPEN':
      return `the data folder is not writable (${e.code})`
    default:
      return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err)
  }
}

/** Housekeeping (old checkpoints, heartbeats) must never take a run down: a failure is logged and retried later. */
export function tryFs(work: () => unknown, what = 'checkpoint files'): void {
  try {
    work()
  } catch (err) {
    console.warn(`[service] ${what}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/**
 * Database writes of a run's results. When the database refuses one (disk full, read-only) the
 * run is stopped and ends `failed` with the reason; what was committed before stays intact.
 */
export class DbGuard {
  /** runs whose results could not be written, with the reason */
  readonly unsaved = new Map<string, string>()

  constructor(
    private readonly store: RunStore,
    private readonly stop: (runId: string) => void,
    private readonly iso: () => string,
  ) {}

  save(runId: string, write: () => void): boolean {
    try {
      write()
      return true
    } catch (err) {
      const reason = `could not write to the database ${this.store.file}: ${dbReason(err)}; the run stopped, epochs saved before are kept`
      console.error(`[service] run ${runId}: ${reason}`)
      if (!this.unsaved.has(runId)) {
        this.unsaved.set(runId, reason)
        this.stop(runId)
      }
      return false
    }
  }

  fail(runId: string, error: string): void {
    this.unsaved.delete(runId)
    try {
      this.store.finish(runId, 'failed', this.iso(), { error })
    } catch (err) {
      // Nothing more can be recorded; the next start marks the run interrupted (stale heartbeat).
      console.error(`[service] run ${runId}: could not record the failure: ${dbReason(err)}`)
    }
  }
}
