/**
 * The CLI never cuts its output short on a pipe: `runs --json` of a few thousand runs (well over
 * 1 MB, far past a pipe's 64 KiB buffer) read by a slow reader arrives whole, byte for byte what
 * the same command writes to a file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunConfigSchema } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir()
const db = join(tmp.dir, 'many.db')
const RUNS = 2500

beforeAll(() => {
  const store = new RunStore(db)
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  store.db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const id = `pipe-${String(i).padStart(5, '0')}`
      const at = new Date(t0 + i * 1000).toISOString()
      const config = RunConfigSchema.parse({
        dataset: 'builtin:xshape',
        model: 'mlp',
        seed: i,
        name: `a run with a long enough name to fill the pipe, number ${i}`,
      })
      store.createRun({ id, name: config.name!, config, createdAt: at })
      store.finish(id, 'finished', at, { testAccuracy: 0.9, wallSeconds: 1 })
    }
  })()
  store.close()
})
afterAll(() => tmp.cleanup())

/** `runs --json`, its stdout sent by the shell to `sink` */
function runsJson(sink: string): void {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" runs --db "${db}" --json ${sink}`], {
    encoding: 'utf8',
    env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
    timeout: 60_000,
  })
  expect(r.status, r.stderr).toBe(0)
}

describe('CLI output on a pipe', () => {
  it('arrives whole through a slow reader, the same bytes as written to a file', () => {
    const file = join(tmp.dir, 'file.json')
    const piped = join(tmp.dir, 'piped.json')
    runsJson(`> "${file}"`)
    // the reader starts late, so the pipe fills and the CLI must wait for it before exiting
    runsJson(`| (sleep 1; cat > "${piped}")`)
    const direct = readFileSync(file)
    expect(direct.length).toBeGreaterThan(1_000_000)
    expect(JSON.parse(direct.toString('utf8'))).toHaveLength(RUNS)
    expect(readFileSync(piped).length).toBe(direct.length)
    expect(readFileSync(piped).equals(direct)).toBe(true)
  })

  it('exits quietly when the reader stops early', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" runs --db "${db}" --json | head -c 100 > /dev/null`], {
      encoding: 'utf8',
      env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
      timeout: 60_000,
    })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
  })
})
