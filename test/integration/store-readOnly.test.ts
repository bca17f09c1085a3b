/**
 * A database the user cannot write (read-only folder, someone else's file) opens read-only and
 * says so: `runs` lists it, with a note; every change is refused in one line naming the reason;
 * nothing is written next to it. Whether -shm exists (another process has it open) or not (a
 * snapshot is read). Runs as another user where the tests run as root (chmod does not bind root).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { RunConfigSchema } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { CLI, tempDir } from '../helpers/tmp'
import { snapshot } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-ro-')
const asRoot = process.getuid?.() === 0
const NOBODY = 65534
let dir: string
let db: string

beforeAll(() => {
  chmodSync(tmp.dir, 0o755)
  dir = join(tmp.dir, 'lab')
  db = join(dir, 'spline-lab.db')
  const store = new RunStore(db)
  const config = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', hidden: [4], epochs: 2 })
  store.createRun({ id: 'r1', name: 'first run', config, createdAt: new Date().toISOString() })
  store.finish('r1', 'finished', new Date().toISOString(), { testAccuracy: 0.75 })
  store.close()
  // read-only for the user the CLI runs as: another user where we are root, else this one
  chmodSync(db, 0o644)
  chmodSync(dir, asRoot ? 0o755 : 0o555)
  if (!asRoot) chmodSync(db, 0o444)
})
afterAll(() => {
  chmodSync(dir, 0o755)
  tmp.cleanup()
})

function cliAsReader(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args, '--db', db], {
    encoding: 'utf8',
    env: { ...process.env, SPLINE_LAB_HOME: dir, HOME: tmp.dir },
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  })
}

describe('a read-only database', () => {
  it('is listed, with a note saying it is read-only; nothing is written beside it', () => {
    const before = snapshot(dir)
    const res = cliAsReader(['runs'])
    expect(res.stderr.trim()).toMatch(
      /^spline-lab: note: the database is open read-only \(.*lab\/spline-lab\.db is not writable \(EACCES\); reading a snapshot of it taken at start\); listing only$/,
    )
    expect(res.status).toBe(0)
    expect(res.stdout).toMatch(/r1\s+finished\s+75\.0%.*first run/)
    const json = cliAsReader(['runs', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: 'r1', status: 'finished', testAccuracy: 0.75 }])
    expect(snapshot(dir)).toBe(before)
  })

  it('is read in place while another process holds it open (its -shm exists)', () => {
    chmodSync(dir, 0o755)
    const holder = new RunStore(db) // as the test's user: writable, creates -shm and -wal
    try {
      if (asRoot) for (const f of readdirSync(dir)) chownSync(join(dir, f), 0, 0)
      else chmodSync(dir, 0o555)
      const res = cliAsReader(['runs', '--json'])
      expect(res.status).toBe(0)
      expect(res.stderr).toMatch(/open read-only/)
      expect(res.stderr).not.toMatch(/snapshot/)
      expect(JSON.parse(res.stdout)).toMatchObject([{ id: 'r1' }])
    } finally {
      holder.close()
      chmodSync(dir, asRoot ? 0o755 : 0o555)
    }
  })

  it('refuses every change in one line naming why', () => {
    const before = snapshot(dir)
    for (const args of [
      ['run', '--dataset', 'builtin:xshape', '--model', 'mlp', '--epochs', '1'],
      ['import', tmp.dir],
    ]) {
      const res = cliAsReader(args)
      expect(res.status).toBe(2)
      const line = res.stderr.trim()
      expect(line.split('\n')).toHaveLength(1)
      expect(line).toMatch(
        /^spline-lab: (runs\.start|datasets\.import): the database .*spline-lab\.db is open read-only \(.*not writable.*\), so nothing can be changed; use a writable one/,
      )
    }
    expect(snapshot(dir)).toBe(before)
  })
})
