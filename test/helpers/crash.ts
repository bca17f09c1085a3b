/**
 * Helpers of the crash tests: a CLI run whose `--events` lines are collected as they arrive, a
 * SIGKILL at a chosen moment, and a look inside the database and checkpoint folder afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CLI } from './tmp'

export interface CliEvent {
  event: string
  runId?: string
  epoch?: number
  phase?: string
  trainLoss?: number
  testAccuracy?: number
  status?: string
}

export interface CliProcess {
  proc: ChildProcess
  events: CliEvent[]
  stdout: () => string
  stderr: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** resolves when `pred` holds for an event (checked as events arrive) */
  when(pred: (e: CliEvent) => boolean): Promise<CliEvent>
}

export function startCli(args: string[], home: string, hooks?: object): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, SPLINE_LAB_HOME: home }
  if (hooks) env.SPLINE_LAB_TEST_HOOKS = JSON.stringify(hooks)
  else delete env.SPLINE_LAB_TEST_HOOKS
  const proc = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const events: CliEvent[] = []
  const waiters: { pred: (e: CliEvent) => boolean; resolve: (e: CliEvent) => void }[] = []
  let out = ''
  let err = ''
  let partial = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => {
    err += d
    const lines = (partial + d).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      if (!line.startsWith('{')) continue
      const e = JSON.parse(line) as CliEvent
      events.push(e)
      for (const w of waiters.filter((w) => w.pred(e))) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(e)
      }
    }
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  return {
    proc,
    events,
    stdout: () => out,
    stderr: () => err,
    exit,
    when: (pred) => {
      const seen = events.find(pred)
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }))
    },
  }
}

/** SIGKILL, then wait until the process is gone and its pipes are drained. */
export async function kill(cli: CliProcess): Promise<void> {
  cli.proc.kill('SIGKILL')
  await cli.exit
  await new Promise((r) => setTimeout(r, 20))
}

/** Polls `check` every few ms; resolves true when it holds, false when the process ended first. */
export function pollUntil(cli: CliProcess, check: () => boolean, everyMs = 5): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (check()) {
        clearInterval(t)
        resolve(true)
      } else if (cli.proc.exitCode !== null || cli.proc.signalCode !== null) {
        clearInterval(t)
        resolve(false)
      }
    }, everyMs)
  })
}

export function tempFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.includes('.tmp-'))
  } catch {
    return []
  }
}

/** Everything a run's rows say, minus wall-clock fields that differ between two processes. */
export function snapshotRun(dbFile: string) {
  // Killed before the database existed, or before its first migration committed: nothing to see.
  const none = {
    integrity: 'ok',
    runId: undefined,
    status: undefined,
    summary: undefined,
    metrics: [] as Record<string, unknown>[],
    distances: [] as { layer: string; epoch: number; row: string }[],
  }
  if (!existsSync(dbFile)) return none
  const db = new Database(dbFile)
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'epoch_metrics'`).get()) return { ...none, integrity }
    const run = db.prepare(`SELECT * FROM runs`).get() as Record<string, unknown> | undefined
    const metrics = db.prepare(`SELECT * FROM epoch_metrics ORDER BY epoch`).all() as Record<string, unknown>[]
    const distances = db.prepare(`SELECT layer, epoch, hex(row) AS row FROM spline_distances ORDER BY layer, epoch`).all() as {
      layer: string
      epoch: number
      row: string
    }[]
    return {
      integrity,
      runId: run?.id as string | undefined,
      status: run?.status as string | undefined,
      summary: run && {
        epochs_done: run.epochs_done,
        test_accuracy: run.test_accuracy,
        eb_epoch: run.eb_epoch,
        bn_eb_epoch: run.bn_eb_epoch,
        params: run.params,
        macs: run.macs,
        train_flops: run.train_flops,
        arch_after_json: run.arch_after_json,
        pruning_json: run.pruning_json,
      },
      metrics: metrics.map(({ seconds: _s, spline_seconds: _ss, run_id: _r, ...m }) => m),
      distances,
    }
  } finally {
    db.close()
  }
}

/** A small seeded generator, so a failing trial can be replayed with CRASH_SEED. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

export const checkpointFolder = (home: string, runId: string) => join(home, 'checkpoints', runId)
