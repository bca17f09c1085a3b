import { afterAll, describe, expect, it } from 'vitest'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RunStore } from '../../src-main/store/runStore'
import { MIGRATIONS } from '../../src-main/store/migrations'
import { SplineLabService } from '../../src-main/service/service'
import { FakeTrainer } from '../helpers/fakeTrainer'
import { REPO, tempDir } from '../helpers/tmp'

// Made by scripts/make-schema-v1-fixture.mjs from MIGRATIONS[0]: what the first release left on disk.
const FIXTURE = join(REPO, 'test', 'fixtures', 'schema-v1.sqlite')
const tmp = tempDir('spline-migrate-')
afterAll(() => tmp.cleanup())

const schemaOf = (db: Database.Database) =>
  (db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { sql: string }[]).map((r) => ({
    ...r,
    sql: r.sql.replace(/\s+/g, ' '),
  }))

describe('schema migrations', () => {
  it('the fixture really is schema 1, and migration 1 has not been edited since', () => {
    const fixture = new Database(FIXTURE, { readonly: true })
    const fresh = new Database(':memory:')
    fresh.exec(MIGRATIONS[0]!)
    expect(fixture.pragma('user_version', { simple: true })).toBe(1)
    expect(schemaOf(fixture)).toEqual(schemaOf(fresh))
    fixture.close()
    fresh.close()
  })

  it('a schema-1 database opens, upgrades to the latest schema, and keeps every row', () => {
    const file = join(tmp.dir, 'old.db')
    copyFileSync(FIXTURE, file)
    const store = new RunStore(file)
    expect(store.schemaVersion).toBe(MIGRATIONS.length)
    const run = store.getRun('v1-finished')!
    expect(run.summary).toMatchObject({ status: 'finished', epochsDone: 3, testAccuracy: 0.9575, params: 122, backend: 'wasm', criterion: null, sweepId: null })
    expect(run.config).toMatchObject({ dataset: 'builtin:xshape', model: 'mlp', hidden: [20], epochs: 3 })
    expect(run.metrics.map((m) => [m.epoch, m.trainLoss])).toEqual([
      [1, 0.6],
      [2, 0.3],
      [3, 0.6 / 3],
    ])
    expect(run.distances['fc1.bn']).toEqual([[0], [0.25, 0], [0.3125, 0.125, 0]])
    expect(run.ebTrace.at(-1)).toEqual({ epoch: 3, maxDistance: 0.3125, threshold: 0.16 })
    expect(run.bnEbTrace).toEqual([])
    expect(run.pruning).toBeNull()
    const cols = store.db.prepare(`SELECT resumes, owner FROM runs WHERE id = 'v1-finished'`).get()
    expect(cols).toEqual({ resumes: 0, owner: null })
    expect(store.listRuns().map((r) => r.id)).toEqual(['v1-crashed', 'v1-finished'])
    store.close()
    // Reopening an upgraded database is a no-op.
    const again = new RunStore(file)
    expect(again.schemaVersion).toBe(MIGRATIONS.length)
    again.close()
  })

  it("an old run a crash left 'running' becomes interrupted and resumes from the start (it has no checkpoints)", async () => {
    const file = join(tmp.dir, 'old2.db')
    copyFileSync(FIXTURE, file)
    const store = new RunStore(file)
    const trainer = new FakeTrainer()
    const service = new SplineLabService(store, trainer, { dataDir: tmp.dir })
    expect((await service.call('runs.get', { runId: 'v1-crashed' })).summary.status).toBe('interrupted')
    const r = await service.call('runs.resume', { runId: 'v1-crashed' })
    expect(r).toMatchObject({ runId: 'v1-crashed', fromEpoch: 0, note: expect.stringMatching(/no checkpoint/) })
    const run = await service.call('runs.get', { runId: 'v1-crashed' })
    expect([run.metrics.length, run.summary.epochsDone, run.summary.error]).toEqual([0, 0, null])
    // The schema-1 config is re-validated: the fields added since get their defaults.
    expect(trainer.started[0]).toMatchObject({ runId: 'v1-crashed', resume: undefined, config: { seed: 1, keepCheckpoints: 'all', ratio: 0.5 } })
    await service.close()
    store.close()
  })
})
