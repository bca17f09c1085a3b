/**
 * SQLite store of runs (better-sqlite3, WAL). Only the main process writes it; every epoch is
 * one transaction, so a crash loses at most the epoch in flight.
 */
import type Database from 'better-sqlite3'
import {
  DEFAULT_CRITERION,
  type ArchSpec,
  type EbTracePoint,
  type EpochMetrics,
  type ProbeInfo,
  type PruningInfo,
  type ResolvedDefaults,
  type RunConfig,
  type RunDetail,
  type RunStatus,
  type RunSummary,
} from '../contract/api'
import { MIGRATIONS } from './migrations'
import { openDatabase } from './openDatabase'

type Row = Record<string, unknown>

export interface NewRun {
  id: string
  name: string
  config: RunConfig
  createdAt: string
  sweepId?: string
  /** host:pid of the process that will train it (lets a restart spot a dead owner at once) */
  owner?: string
}

export class RunStore {
  readonly db: Database.Database
  /**
   * Why the database was opened read-only (a read-only disk or folder, someone else's file), or
   * null. Listing works; the service refuses every change with this reason.
   */
  readonly readOnly: string | null
  private readonly cleanup: () => void

  constructor(readonly file: string) {
    const opened = openDatabase(
      file,
      (db) => {
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = NORMAL')
        db.pragma('foreign_keys = ON')
        db.pragma('busy_timeout = 5000')
        this.migrate(db)
      },
      (db) => this.checkSchema(db),
    )
    this.db = opened.db
    this.readOnly = opened.readOnly
    this.cleanup = opened.cleanup
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number
  }

  private migrate(db: Database.Database): void {
    const from = db.pragma('user_version', { simple: true }) as number
    if (from > MIGRATIONS.length) {
      throw new Error(`database ${this.file} has schema ${from}, newer than this Spline Lab (${MIGRATIONS.length})`)
    }
    for (let v = from; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!)
        db.pragma(`user_version = ${v + 1}`)
      })()
    }
  }

  /** A database opened read-only cannot be migrated: it must already have this version's schema. */
  private checkSchema(db: Database.Database): void {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > MIGRATIONS.length) throw new Error(`database ${this.file} has schema ${version}, newer than this Spline Lab (${MIGRATIONS.length})`)
    if (version < MIGRATIONS.length)
      throw new Error(
        `database ${this.file} is read-only and has schema ${version}, older than this Spline Lab (${MIGRATIONS.length}): it cannot be upgraded here; open it once where it is writable`,
      )
  }

  createRun(run: NewRun): void {
    const c = run.config
    this.db
      .prepare(
        `INSERT INTO runs (id, name, status, config_json, dataset, model, method, epochs, created_at, heartbeat_at, criterion, ratio, sweep_id, owner)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.name,
        JSON.stringify(c),
        c.dataset,
        c.model,
        c.method,
        c.epochs,
        run.createdAt,
        run.createdAt,
        c.method === 'dense' ? null : (c.criterion ?? DEFAULT_CRITERION[c.method]),
        c.method === 'dense' ? null : c.ratio,
        run.sweepId ?? null,
        run.owner ?? null,
      )
  }

  markStarted(id: string, at: string, backend: string, layers: string[], probe: ProbeInfo, arch?: ArchSpec, resolved?: ResolvedDefaults): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), heartbeat_at = ?, backend = ?, layers_json = ?, probe_json = ?,
           arch_before_json = ?, resolved_json = COALESCE(?, resolved_json) WHERE id = ?`,
      )
      .run(at, at, backend, JSON.stringify(layers), JSON.stringify(probe), arch ? JSON.stringify(arch) : null, resolved ? JSON.stringify(resolved) : null, id)
  }

  markPruned(id: string, arch: ArchSpec, pruning: PruningInfo): void {
    this.db.prepare(`UPDATE runs SET arch_after_json = ?, pruning_json = ? WHERE id = ?`).run(JSON.stringify(arch), JSON.stringify(pruning), id)
  }

  /** Persists one finished epoch (metrics, EB trace, distance rows, its durable checkpoint's name) atomically. */
  appendEpoch(
    id: string,
    metrics: EpochMetrics,
    rows: Record<string, number[]>,
    eb: EbTracePoint,
    ebEpoch: number | null,
    at: string,
    bnEb: EbTracePoint | null = null,
    checkpoint: string | null = null,
  ): void {
    const insertMetrics = this.db.prepare(
      `INSERT OR REPLACE INTO epoch_metrics
       (run_id, epoch, phase, train_loss, train_accuracy, test_loss, test_accuracy, lr, seconds, spline_seconds, eb_max_distance, eb_threshold,
        bn_eb_max_distance, bn_eb_threshold, checkpoint)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const insertRow = this.db.prepare(`INSERT OR REPLACE INTO spline_distances (run_id, layer, epoch, row) VALUES (?, ?, ?, ?)`)
    const update = this.db.prepare(`UPDATE runs SET epochs_done = ?, heartbeat_at = ?, eb_epoch = ?, test_accuracy = ? WHERE id = ?`)
    this.db.transaction(() => {
      const m = metrics
      insertMetrics.run(
        id,
        m.epoch,
        m.phase,
        m.trainLoss,
        m.trainAccuracy,
        m.testLoss,
        m.testAccuracy,
        m.lr,
        m.seconds,
        m.splineSeconds,
        eb.maxDistance,
        eb.threshold,
        bnEb?.maxDistance ?? null,
        bnEb?.threshold ?? null,
        checkpoint,
      )
      for (const [layer, row] of Object.entries(rows)) {
        insertRow.run(id, layer, m.epoch, Buffer.from(new Float64Array(row).buffer))
      }
      update.run(m.epoch, at, ebEpoch, m.testAccuracy, id)
    })()
  }

  /** Marks runs as alive (running or queued in this process). */
  heartbeat(ids: string[], at: string): void {
    const stmt = this.db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status IN ('running', 'queued')`)
    this.db.transaction(() => {
      for (const id of ids) stmt.run(at, id)
    })()
  }

  finish(
    id: string,
    status: Exclude<RunStatus, 'queued' | 'running'>,
    at: string,
    fields: {
      testAccuracy?: number | null
      ebEpoch?: number | null
      bnEbEpoch?: number | null
      params?: number
      macs?: number
      flops?: number
      trainFlops?: number
      wallSeconds?: number
      error?: string
      /** the backend label as the run ended, where it changed while it ran (a replica's fallback) */
      backend?: string
    },
  ): void {
    this.db
      .prepare(
        `UPDATE runs SET status = ?, finished_at = ?, heartbeat_at = ?,
           test_accuracy = COALESCE(?, test_accuracy), eb_epoch = COALESCE(?, eb_epoch), bn_eb_epoch = COALESCE(?, bn_eb_epoch),
           params = COALESCE(?, params), macs = COALESCE(?, macs), flops = COALESCE(?, flops), train_flops = COALESCE(?, train_flops),
           wall_seconds = COALESCE(?, wall_seconds), error = ?, backend = COALESCE(?, backend)
         WHERE id = ?`,
      )
      .run(
        status,
        at,
        at,
        fields.testAccuracy ?? null,
        fields.ebEpoch ?? null,
        fields.bnEbEpoch ?? null,
        fields.params ?? null,
        fields.macs ?? null,
        fields.flops ?? null,
        fields.trainFlops ?? null,
        fields.wallSeconds ?? null,
        fields.error ?? null,
        fields.backend ?? null,
        id,
      )
  }

  /**
   * Runs left `running`/`queued` by a process that died become `interrupted`. Live processes keep
   * their runs' heartbeats fresh; a run whose owner (host:pid) is known gone need not wait to go stale.
   */
  markStale(staleBefore: string, at: string, ownerGone: (owner: string) => boolean = () => false): string[] {
    const select = this.db.prepare(`SELECT id, owner, heartbeat_at FROM runs WHERE status IN ('running', 'queued')`)
    const mark = this.db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = ?, error = COALESCE(error, ?) WHERE id = ?`)
    return this.db
      .transaction(() => {
        // immediate: another process cannot finish or beat a run between the look and the mark
        const rows = (select.all() as { id: string; owner: string | null; heartbeat_at: string | null }[]).filter(
          (r) => r.heartbeat_at === null || r.heartbeat_at < staleBefore || (r.owner !== null && ownerGone(r.owner)),
        )
        for (const r of rows) mark.run(at, 'the process training this run stopped before it finished', r.id)
        return rows.map((r) => r.id)
      })
      .immediate()
  }

  listRuns(): RunSummary[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY created_at DESC, id DESC`).all() as Row[]).map(toSummary)
  }

  getSummary(id: string): RunSummary | null {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as Row | undefined
    return row ? toSummary(row) : null
  }

  getRun(id: string): RunDetail | null {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as Row | undefined
    if (!row) return null
    const metricRows = this.db.prepare(`SELECT * FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`).all(id) as Row[]
    const distRows = this.db.prepare(`SELECT layer, epoch, row FROM spline_distances WHERE run_id = ? ORDER BY layer, epoch`).all(id) as {
      layer: string
      epoch: number
      row: Buffer
    }[]
    const distances: Record<string, number[][]> = {}
    for (const d of distRows) {
      const values = new Float64Array(d.row.buffer.slice(d.row.byteOffset, d.row.byteOffset + d.row.byteLength))
      ;(distances[d.layer] ??= []).push(Array.from(values))
    }
    return {
      summary: toSummary(row),
      config: JSON.parse(String(row.config_json)) as RunConfig,
      metrics: metricRows.map(toMetrics),
      layers: row.layers_json ? (JSON.parse(String(row.layers_json)) as string[]) : [],
      distances,
      ebTrace: metricRows.map((m) => ({
        epoch: Number(m.epoch),
        maxDistance: m.eb_max_distance == null ? null : Number(m.eb_max_distance),
        threshold: Number(m.eb_threshold),
      })),
      bnEbTrace: metricRows
        .filter((m) => m.bn_eb_threshold != null)
        .map((m) => ({ epoch: Number(m.epoch), maxDistance: num(m.bn_eb_max_distance), threshold: Number(m.bn_eb_threshold) })),
      probe: row.probe_json ? (JSON.parse(String(row.probe_json)) as ProbeInfo) : null,
      archBefore: json<ArchSpec>(row.arch_before_json),
      archAfter: json<ArchSpec>(row.arch_after_json),
      costsBefore: null,
      costsAfter: null,
      pruning: json<PruningInfo>(row.pruning_json),
      resolved: json<ResolvedDefaults>(row.resolved_json),
    }
  }

  deleteRun(id: string): boolean {
    return this.db.prepare(`DELETE FROM runs WHERE id = ?`).run(id).changes > 0
  }

  close(): void {
    this.db.close()
    this.cleanup()
  }
}

const num = (v: unknown): number | null => (v == null ? null : Number(v))
const str = (v: unknown): string | null => (v == null ? null : String(v))
const json = <T>(v: unknown): T | null => (v == null ? null : (JSON.parse(String(v)) as T))

function toSummary(r: Row): RunSummary {
  return {
    id: String(r.id),
    name: String(r.name),
    status: String(r.status) as RunStatus,
    dataset: String(r.dataset),
    model: String(r.model),
    method: String(r.method),
    epochs: Number(r.epochs),
    epochsDone: Number(r.epochs_done),
    backend: str(r.backend),
    testAccuracy: num(r.test_accuracy),
    ebEpoch: num(r.eb_epoch),
    createdAt: String(r.created_at),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
    heartbeatAt: str(r.heartbeat_at),
    wallSeconds: num(r.wall_seconds),
    error: str(r.error),
    criterion: str(r.criterion),
    ratio: num(r.ratio),
    params: num(r.params),
    macs: num(r.macs),
    flops: num(r.flops),
    trainFlops: num(r.train_flops),
    bnEbEpoch: num(r.bn_eb_epoch),
    sweepId: str(r.sweep_id),
    config: JSON.parse(String(r.config_json)) as RunConfig,
    resolved: json<ResolvedDefaults>(r.resolved_json),
  }
}

function toMetrics(r: Row): EpochMetrics {
  return {
    epoch: Number(r.epoch),
    phase: String(r.phase) as EpochMetrics['phase'],
    trainLoss: Number(r.train_loss),
    trainAccuracy: Number(r.train_accuracy),
    testLoss: Number(r.test_loss),
    testAccuracy: Number(r.test_accuracy),
    lr: Number(r.lr),
    seconds: Number(r.seconds),
    splineSeconds: Number(r.spline_seconds),
  }
}
