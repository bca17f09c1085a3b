#!/usr/bin/env node
// Makes test/fixtures/schema-v1.sqlite: a database as the first released Spline Lab (schema 1)
// left it — a finished run with epochs and distance rows, and a run a crash left `running` — built
// from MIGRATIONS[0] itself, so the migration test upgrades exactly what users have on disk.
// Deterministic: rerunning gives the same rows. Usage: node scripts/make-schema-v1-fixture.mjs [out]
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import Database from 'better-sqlite3'

const root = join(import.meta.dirname, '..')
const out = process.argv[2] ?? join(root, 'test', 'fixtures', 'schema-v1.sqlite')
// migrations.ts is TypeScript with no imports: transpile it and take the first migration.
const source = readFileSync(join(root, 'src-main', 'store', 'migrations.ts'), 'utf8')
const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
const { MIGRATIONS } = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)

rmSync(out, { force: true })
const db = new Database(out)
db.pragma('journal_mode = DELETE') // one self-contained file, no -wal beside it
db.exec(MIGRATIONS[0])
db.pragma('user_version = 1')

// The run config as schema 1 wrote it (no pruning fields, no checkpoints knob).
const config = {
  name: 'xshape mlp dense',
  dataset: 'builtin:xshape',
  model: 'mlp',
  hidden: [20],
  method: 'dense',
  epochs: 3,
  batchSize: 64,
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 0.0001,
  lrMilestones: [0.5, 0.75],
  seed: 0,
  probeGrid: 40,
  eb: { window: 3, epsilon: 0.16 },
  backend: 'auto',
}
const insertRun = db.prepare(
  `INSERT INTO runs (id, name, status, config_json, dataset, model, method, epochs, epochs_done, backend, test_accuracy, eb_epoch, params,
     layers_json, probe_json, created_at, started_at, finished_at, heartbeat_at, wall_seconds, error)
   VALUES (?, ?, ?, ?, 'builtin:xshape', 'mlp', 'dense', 3, ?, 'wasm', ?, NULL, 122, '["fc1.bn"]', ?, ?, ?, ?, ?, ?, NULL)`,
)
const probe = JSON.stringify({ kind: 'grid2d', count: 1600, bitsPerLayer: { 'fc1.bn': 32000 } })
insertRun.run(
  'v1-finished',
  'xshape mlp dense',
  'finished',
  JSON.stringify(config),
  3,
  0.9575,
  probe,
  '2026-01-01T10:00:00.000Z',
  '2026-01-01T10:00:01.000Z',
  '2026-01-01T10:00:04.000Z',
  '2026-01-01T10:00:04.000Z',
  3.2,
)
insertRun.run(
  'v1-crashed',
  'left running',
  'running',
  JSON.stringify({ ...config, name: 'left running', seed: 1 }),
  1,
  0.8,
  probe,
  '2026-01-01T11:00:00.000Z',
  '2026-01-01T11:00:01.000Z',
  null,
  '2026-01-01T11:00:02.000Z',
  null,
)
const insertEpoch = db.prepare(
  `INSERT INTO epoch_metrics (run_id, epoch, phase, train_loss, train_accuracy, test_loss, test_accuracy, lr, seconds, spline_seconds, eb_max_distance, eb_threshold)
   VALUES (?, ?, 'dense', ?, ?, ?, ?, 0.1, 1.0, 0.05, ?, 0.16)`,
)
const insertRow = db.prepare(`INSERT INTO spline_distances (run_id, layer, epoch, row) VALUES (?, ?, ?, ?)`)
const rows = [[0], [0.25, 0], [0.3125, 0.125, 0]]
for (let e = 1; e <= 3; e++) {
  insertEpoch.run('v1-finished', e, 0.6 / e, 0.7 + e / 20, 0.65 / e, 0.8 + e / 20, e === 3 ? 0.3125 : null)
  for (const layer of ['fc1.bn', 'mean']) insertRow.run('v1-finished', layer, e, Buffer.from(new Float64Array(rows[e - 1]).buffer))
}
insertEpoch.run('v1-crashed', 1, 0.5, 0.75, 0.55, 0.8, null)
insertRow.run('v1-crashed', 'fc1.bn', 1, Buffer.from(new Float64Array([0]).buffer))
db.exec('VACUUM')
db.close()
console.log(`wrote ${out}`)
