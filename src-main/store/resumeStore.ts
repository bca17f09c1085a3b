/**
 * The store's part of resume: which epochs have a committed checkpoint, and rewinding a run to
 * one of them in a single transaction (later rows deleted, so no epoch is ever stored twice).
 */
import type Database from 'better-sqlite3'

export interface CommittedCheckpoint {
  epoch: number
  file: string
  phase: string
}

/** Epochs whose row names a checkpoint, newest first. */
export function committedCheckpoints(db: Database.Database, runId: string): CommittedCheckpoint[] {
  return db
    .prepare(`SELECT epoch, checkpoint AS file, phase FROM epoch_metrics WHERE run_id = ? AND checkpoint IS NOT NULL ORDER BY epoch DESC`)
    .all(runId) as CommittedCheckpoint[]
}

export function runConfigJson(db: Database.Database, runId: string): string | null {
  const row = db.prepare(`SELECT config_json FROM runs WHERE id = ?`).get(runId) as { config_json: string } | undefined
  return row?.config_json ?? null
}

/**
 * Puts a stopped run back in the queue at `epoch`: rows of later epochs go, the summary is what it
 * was after `epoch`, and the pruning result is dropped unless the checkpoint is past pruning (a
 * resumed dense phase prunes again, identically). Only a run no process is training is rewound.
 */
export function rewindRun(db: Database.Database, runId: string, epoch: number, phase: string | null, at: string, owner: string): boolean {
  return db
    .transaction(() => {
      const run = db.prepare(`SELECT status FROM runs WHERE id = ?`).get(runId) as { status: string } | undefined
      if (!run || run.status === 'running' || run.status === 'queued' || run.status === 'finished') return false
      db.prepare(`DELETE FROM epoch_metrics WHERE run_id = ? AND epoch > ?`).run(runId, epoch)
      db.prepare(`DELETE FROM spline_distances WHERE run_id = ? AND epoch > ?`).run(runId, epoch)
      const last = db.prepare(`SELECT test_accuracy FROM epoch_metrics WHERE run_id = ? AND epoch = ?`).get(runId, epoch) as
        { test_accuracy: number | null } | undefined
      const keepPruning = phase === 'retrain'
      db.prepare(
        `UPDATE runs SET status = 'queued', epochs_done = ?, finished_at = NULL, error = NULL, heartbeat_at = ?, owner = ?, resumes = resumes + 1,
         test_accuracy = ?, eb_epoch = CASE WHEN eb_epoch > ? THEN NULL ELSE eb_epoch END, bn_eb_epoch = NULL,
         arch_after_json = CASE WHEN ? THEN arch_after_json ELSE NULL END, pruning_json = CASE WHEN ? THEN pruning_json ELSE NULL END
       WHERE id = ?`,
      ).run(epoch, at, owner, last?.test_accuracy ?? null, epoch, keepPruning ? 1 : 0, keepPruning ? 1 : 0, runId)
      return true
    })
    .immediate()
}
