/**
 * Imports that stop cleanly: datasets.cancel through the service and its importer worker,
 * Ctrl-C of `spline-lab import`, and 20 SIGKILLs of CLI imports at random moments: whatever
 * they leave in the cache folder is gone after the next start, and a later import of the same
 * folder succeeds. A data folder too small for the cache is refused in one line naming it.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ApiError, type ApiEvent } from '../../src-main/contract/api'
import { createService } from '../../src-main/service/createService'
import { CLI, tempDir } from '../helpers/tmp'
import { rng } from '../helpers/crash'
import { idxBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-cancel-')
afterAll(() => tmp.cleanup())

const inCache = (home: string, suffix: string) => {
  try {
    return readdirSync(join(home, 'datasets')).filter((f) => f.endsWith(suffix))
  } catch {
    return []
  }
}

/** 28×28 IDX pairs, large enough that an import takes a while */
function bigIdx(root: string, train = 40_000): void {
  for (const [split, n] of [
    ['train', train],
    ['t10k', 2000],
  ] as const) {
    const x = Buffer.alloc(n * 784)
    for (let i = 0; i < x.length; i += 7) x[i] = (i * 13) & 255
    write(root, `${split}-images-idx3-ubyte`, idxBytes('images', x, n, 28, 28))
    write(
      root,
      `${split}-labels-idx1-ubyte`,
      idxBytes(
        'labels',
        new Uint8Array(n).map((_, i) => i % 10),
        n,
      ),
    )
  }
}

function cli(args: string[], home: string) {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SPLINE_LAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += d))
  proc.stdout!.resume()
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  return { proc, exit, stderr: () => stderr }
}

const until = async (check: () => boolean, timeoutMs: number, everyMs = 2): Promise<boolean> => {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return check()
}

describe('cancelling an import', () => {
  it('datasets.cancel stops the importer worker, which removes its temporaries; the call fails with conflict', async () => {
    const home = join(tmp.dir, 'api')
    const root = join(tmp.dir, 'api-data')
    bigIdx(root, 60_000)
    const before = snapshot(root)
    const { service } = createService({ dbPath: join(home, 'spline-lab.db') })
    try {
      let cancelledAt = 0
      let answer: Promise<{ cancelled: boolean }> | null = null
      service.onEvent((e: ApiEvent) => {
        if (e.type === 'dataset:progress' && e.phase === 'reading' && !answer) {
          cancelledAt = performance.now()
          answer = service.call('datasets.cancel', { path: root })
        }
      })
      const err = await service.call('datasets.import', { path: root }).catch((e: unknown) => e)
      const stoppedIn = performance.now() - cancelledAt
      expect(err).toBeInstanceOf(ApiError)
      expect(err).toMatchObject({ code: 'conflict', message: `${root}: the import was cancelled` })
      expect(await answer!).toMatchObject({ cancelled: true })
      expect(stoppedIn).toBeLessThan(2000)
      expect(inCache(home, '.tmp')).toEqual([])
      expect(inCache(home, '.sldc')).toEqual([])
      expect(snapshot(root)).toBe(before)
      expect(await service.call('datasets.cancel', { path: root })).toMatchObject({ cancelled: false })
      // and a later import of the same folder runs to the end
      expect((await service.call('datasets.import', { path: root })).dataset.trainCount).toBe(60_000)
    } finally {
      await service.close()
    }
  })

  it('Ctrl-C of `spline-lab import` cancels it: exit 130, one line, nothing kept', async () => {
    const home = join(tmp.dir, 'sigint')
    const root = join(tmp.dir, 'sigint-data')
    bigIdx(root, 60_000)
    const run = cli(['import', root, '--json'], home)
    expect(await until(() => inCache(home, '.tmp').length > 0, 30_000)).toBe(true)
    run.proc.kill('SIGINT')
    const { code } = await run.exit
    expect(code).toBe(130)
    expect(run.stderr().trim()).toBe(`spline-lab: ${root}: the import was cancelled; nothing was kept`)
    expect(inCache(home, '.tmp')).toEqual([])
    expect(inCache(home, '.sldc')).toEqual([])
  })
})

describe('killed imports', () => {
  it('20 SIGKILLs at random moments leave no temporary behind after the next start', async () => {
    const home = join(tmp.dir, 'killed')
    const root = join(tmp.dir, 'killed-data')
    bigIdx(root)
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e6))
    const r = rng(seed)
    const orphans = new Set<string>()
    const started = Date.now()
    for (let k = 0; k < 20; k++) {
      // an import that finished leaves a cache the next one would reuse: every kill needs a real import
      for (const f of inCache(home, '.sldc')) rmSync(join(home, 'datasets', f))
      const run = cli(['import', root, '--json'], home)
      // half the kills at a random moment, half while the cache is being written
      if (k % 2 === 0) await new Promise((res) => setTimeout(res, 100 + r() * 1400))
      else await until(() => inCache(home, '.tmp').length > 0, 20_000)
      await new Promise((res) => setTimeout(res, r() * 40))
      run.proc.kill('SIGKILL')
      await run.exit
      for (const f of inCache(home, '.tmp')) orphans.add(f)
    }
    const killsMs = Date.now() - started
    const last = inCache(home, '.tmp')
    console.log(
      `20 killed imports (CRASH_SEED=${seed}) in ${killsMs} ms: ${orphans.size} temporaries left by them in all, ${last.length} by the last before the next start`,
    )
    expect(orphans.size).toBeGreaterThan(5) // the kills did land inside imports
    // the next start of anything on this data folder cleans up (each import above removed the
    // previous kill's temporaries as it started; the last kill's go with the `runs` below)
    const next = spawnSync(process.execPath, [CLI, 'runs', '--json'], { env: { ...process.env, SPLINE_LAB_HOME: home }, encoding: 'utf8' })
    expect(next.status).toBe(0)
    expect(inCache(home, '.tmp')).toEqual([])
    expect([...orphans].filter((f) => existsSync(join(home, 'datasets', f)))).toEqual([])
    const ok = spawnSync(process.execPath, [CLI, 'import', root, '--json'], { env: { ...process.env, SPLINE_LAB_HOME: home }, encoding: 'utf8' })
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout.trim().split('\n').at(-1)!)).toMatchObject({ trainCount: 40_000, testCount: 2000 })
    expect(inCache(home, '.tmp')).toEqual([])
  }, 240_000)
})

describe('a data folder without room', () => {
  it('refuses the import in one line naming the folder (a real 2 MB tmpfs, where mounting is allowed)', async (ctx) => {
    const mnt = join(tmp.dir, 'small')
    mkdirSync(mnt)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]).status === 0
    if (!mounted) {
      ctx.skip()
      return
    }
    try {
      const root = join(tmp.dir, 'room-data')
      bigIdx(root, 10_000)
      const res = spawnSync(process.execPath, [CLI, 'import', root, '--db', join(mnt, 'spline-lab.db')], { encoding: 'utf8' })
      expect(res.status).toBe(1)
      expect(res.stderr.trim()).toMatch(
        new RegExp(
          `^spline-lab: ${mnt}/datasets: cannot hold the 7\\.9 MB this import needs: the disk has .* free; free some space or choose another data folder`,
        ),
      )
      expect(res.stderr).not.toMatch(/internal error/)
      expect(existsSync(join(mnt, 'datasets')) ? readdirSync(join(mnt, 'datasets')) : []).toEqual([])
    } finally {
      spawnSync('umount', [mnt])
    }
  })
})
