import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RunConfigSchema } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { MIGRATIONS } from '../../src-main/store/migrations'
import { tempDir } from '../helpers/tmp'

const config = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', epochs: 3 })
let cleanups: (() => void)[] = []
afterEach(() => {
  cleanups.forEach((c) => c())
  cleanups = []
})

function openStore() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const file = join(t.dir, 'runs.db')
  return { file, store: new RunStore(file) }
}

const metrics = (epoch: number) => ({
  epoch,
  phase: 'dense' as const,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5,
  testLoss: 1.5 / epoch,
  testAccuracy: 0.4 + epoch / 10,
  lr: 0.1,
  seconds: 0.2,
  splineSeconds: 0.01,
})

describe('RunStore', () => {
  it('creates the schema in WAL mode at the latest version', () => {
    const { store } = openStore()
    expect(store.schemaVersion).toBe(MIGRATIONS.length)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    store.close()
  })

  it('round-trips a run with epochs, EB trace and distance rows, across a reopen', () => {
    const { file, store } = openStore()
    store.createRun({ id: 'r1', name: 'one', config, createdAt: '2026-01-01T00:00:00.000Z' })
    store.markStarted('r1', '2026-01-01T00:00:01.000Z', 'wasm', ['fc1'], { kind: 'grid2d', count: 4, bitsPerLayer: { fc1: 80 } })
    store.appendEpoch('r1', metrics(1), { fc1: [0], mean: [0] }, { epoch: 1, maxDistance: null, threshold: 0.16 }, null, '2026-01-01T00:00:02.000Z')
    store.appendEpoch('r1', metrics(2), { fc1: [0.25, 0], mean: [0.25, 0] }, { epoch: 2, maxDistance: 0.1, threshold: 0.16 }, 2, '2026-01-01T00:00:03.000Z')
    store.finish('r1', 'finished', '2026-01-01T00:00:04.000Z', { testAccuracy: 0.6, ebEpoch: 2, params: 100, wallSeconds: 3 })
    store.close()

    const again = new RunStore(file)
    const run = again.getRun('r1')!
    expect(run.summary).toMatchObject({ status: 'finished', epochsDone: 2, ebEpoch: 2, testAccuracy: 0.6, backend: 'wasm' })
    expect(run.config).toEqual(config)
    expect(run.metrics.map((m) => m.epoch)).toEqual([1, 2])
    expect(run.metrics[1]).toEqual(metrics(2))
    expect(run.distances.fc1).toEqual([[0], [0.25, 0]])
    expect(run.ebTrace).toEqual([
      { epoch: 1, maxDistance: null, threshold: 0.16 },
      { epoch: 2, maxDistance: 0.1, threshold: 0.16 },
    ])
    expect(run.layers).toEqual(['fc1'])
    again.close()
  })

  it('marks runs with a stale heartbeat interrupted, but not live ones', () => {
    const { store } = openStore()
    store.createRun({ id: 'old', name: 'old', config, createdAt: '2026-01-01T00:00:00.000Z' })
    store.markStarted('old', '2026-01-01T00:00:00.000Z', 'cpu', ['fc1'], { kind: 'grid2d', count: 1, bitsPerLayer: {} })
    store.createRun({ id: 'live', name: 'live', config, createdAt: '2026-01-01T00:00:00.000Z' })
    store.heartbeat(['live'], '2026-01-01T00:10:00.000Z')
    expect(store.markStale('2026-01-01T00:09:30.000Z', '2026-01-01T00:10:00.000Z')).toEqual(['old'])
    expect(store.getSummary('old')!.status).toBe('interrupted')
    expect(store.getSummary('live')!.status).toBe('queued')
    store.close()
  })

  it('deletes a run with all its rows', () => {
    const { store } = openStore()
    store.createRun({ id: 'r', name: 'r', config, createdAt: '2026-01-01T00:00:00.000Z' })
    store.appendEpoch('r', metrics(1), { fc1: [0], mean: [0] }, { epoch: 1, maxDistance: null, threshold: 0.16 }, null, 'x')
    expect(store.deleteRun('r')).toBe(true)
    expect(store.getRun('r')).toBeNull()
    const count = (t: string) => (store.db.prepare(`SELECT COUNT(*) n FROM ${t}`).get() as { n: number }).n
    expect(count('epoch_metrics')).toBe(0)
    expect(count('spline_distances')).toBe(0)
    expect(store.deleteRun('r')).toBe(false)
    store.close()
  })

  it('refuses a database from a newer Spline Lab instead of touching it', () => {
    const { file, store } = openStore()
    store.close()
    const raw = new Database(file)
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`)
    raw.close()
    expect(() => new RunStore(file)).toThrow(/newer than this Spline Lab/)
  })
})
