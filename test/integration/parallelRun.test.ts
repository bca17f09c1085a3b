/**
 * Whole runs on two trainer workers (SPLINE_LAB_TRAIN_WORKERS=2) through the CLI: the run
 * records the workers, repeats bit for bit, survives pruning (new replicas for the new shapes),
 * and a run killed and resumed ends exactly where an uninterrupted one does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import * as tf from '@tensorflow/tfjs'
import { RunConfigSchema } from '../../src-main/contract/api'
import { runJob } from '../../src-main/worker/runJob'
import { selectBackend } from '../../src-main/worker/backends'
import { liveParallelTrainers } from '../../src-main/worker/parallel/parallelStep'
import type { FromWorker } from '../../src-main/worker/protocol'
import { kill, snapshotRun, startCli } from '../helpers/crash'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-parallel-')
afterAll(() => tmp.cleanup())
// Inherited by the CLI and its trainer worker (helpers/crash startCli passes process.env on).
process.env.SPLINE_LAB_TRAIN_WORKERS = '2'

const CONV = [
  '--dataset',
  'builtin:fashion-mini',
  '--model',
  'cnn',
  '--width',
  '0.25',
  '--train-limit',
  '600',
  '--test-limit',
  '200',
  '--probe',
  '64',
  '--method',
  'prune-after',
  '--criterion',
  'l1',
  '--epochs',
  '3',
  '--finetune',
  '1',
  '--seed',
  '3',
]

let n = 0
function fresh(): { home: string; db: string } {
  const home = join(tmp.dir, `t${++n}`)
  mkdirSync(home)
  return { home, db: join(home, 'spline-lab.db') }
}

async function run(args: string[] = CONV) {
  const { home, db } = fresh()
  const cli = startCli(['run', ...args, '--db', db, '--json'], home)
  expect((await cli.exit).code, cli.stderr()).toBe(0)
  expect(cli.stderr()).not.toMatch(/data-parallel step/) // no fallback
  return { db, snap: snapshotRun(db) }
}

const backendOf = (db: string) => {
  const d = new Database(db, { readonly: true })
  try {
    return (d.prepare('SELECT backend FROM runs').get() as { backend: string }).backend
  } finally {
    d.close()
  }
}

let reference: ReturnType<typeof snapshotRun>
beforeAll(async () => {
  const [a, b] = await Promise.all([run(), run()])
  reference = a.snap
  expect(backendOf(a.db)).toMatch(/^wasm ×2$/)
  expect(b.snap.metrics).toEqual(a.snap.metrics)
  expect(b.snap.distances).toEqual(a.snap.distances)
  expect(b.snap.summary).toEqual(a.snap.summary)
})

describe('a run on two trainer workers', () => {
  it('is recorded as such, prunes and fine-tunes, and repeats bit for bit', () => {
    expect(reference.status).toBe('finished')
    expect(reference.metrics.map((m) => m.phase)).toEqual(['dense', 'dense', 'dense', 'retrain'])
    expect(reference.metrics.at(-1)!.test_accuracy as number).toBeGreaterThan(0.3)
  })

  it('killed and resumed, ends exactly where the uninterrupted run does', async () => {
    const { home, db } = fresh()
    const cli = startCli(['run', ...CONV, '--db', db, '--events'], home)
    await cli.when((e) => e.event === 'epoch' && e.epoch! >= 1)
    expect(cli.proc.exitCode, 'the run ended before the kill').toBeNull()
    await kill(cli)
    const runId = snapshotRun(db).runId!
    // Resumed where 'auto' would train this short run on one worker (another machine, say): the
    // checkpoint's count wins, so it still ends where the uninterrupted run does.
    delete process.env.SPLINE_LAB_TRAIN_WORKERS
    let resume: ReturnType<typeof startCli>
    try {
      resume = startCli(['resume', runId, '--db', db, '--json'], home)
    } finally {
      process.env.SPLINE_LAB_TRAIN_WORKERS = '2'
    }
    expect((await resume.exit).code, resume.stderr()).toBe(0)
    expect(backendOf(db)).toBe('wasm ×2')
    const final = snapshotRun(db)
    expect(final.status).toBe('finished')
    expect(final.metrics).toEqual(reference.metrics)
    expect(final.distances).toEqual(reference.distances)
    expect(final.summary).toEqual(reference.summary)
  })

  it('records that it went on on one worker when a replica died mid-run', async () => {
    const { home, db } = fresh()
    const cli = startCli(['run', ...CONV, '--db', db, '--json'], home, { replicaExitAtStep: 3 })
    expect((await cli.exit).code, cli.stderr()).toBe(0)
    expect(cli.stderr()).toMatch(/data-parallel step: replica 1 exited with code 3; training on 1 of 2 workers/)
    const snap = snapshotRun(db)
    expect(snap.status).toBe('finished')
    expect(backendOf(db)).toBe('wasm ×2→1')
    expect(JSON.parse(cli.stdout().trim().split('\n').at(-1)!).backend).toBe('wasm ×2→1')
  })

  it('differs from a one-worker run only as per-shard BatchNorm does', async () => {
    process.env.SPLINE_LAB_TRAIN_WORKERS = '1'
    try {
      const one = await run()
      expect(backendOf(one.db)).toBe('wasm')
      expect(one.snap.metrics).not.toEqual(reference.metrics)
      const acc = (s: typeof reference) => s.metrics.at(-1)!.test_accuracy as number
      expect(Math.abs(acc(one.snap) - acc(reference))).toBeLessThan(0.15)
    } finally {
      process.env.SPLINE_LAB_TRAIN_WORKERS = '2'
    }
  })
})

describe('runJob on two trainer workers, in this process', () => {
  it('starts replicas per network, ends them on cancel, and leaks no tensor', async () => {
    await selectBackend('wasm')
    const config = RunConfigSchema.parse({
      dataset: 'builtin:fashion-mini',
      model: 'cnn',
      width: 0.25,
      trainLimit: 300,
      testLimit: 50,
      probeSamples: 16,
      epochs: 4,
      trainWorkers: 2,
    })
    const before = tf.memory().numTensors
    const seen: FromWorker[] = []
    let cancelled = false
    let liveAtEpoch = -1
    const outcome = await runJob('in-process', config, {
      post: (m) => {
        seen.push(m)
        if (m.type === 'epoch') {
          liveAtEpoch = liveParallelTrainers()
          cancelled = true
        }
      },
      isCancelled: () => cancelled,
    })
    expect(outcome.outcome).toBe('cancelled')
    expect(seen.find((m) => m.type === 'started')).toMatchObject({ backend: 'wasm ×2' })
    expect(liveAtEpoch).toBe(1)
    expect(liveParallelTrainers()).toBe(0)
    expect(tf.memory().numTensors).toBe(before)
  })
})
