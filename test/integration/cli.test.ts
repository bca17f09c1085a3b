import { describe, expect, it, afterAll } from 'vitest'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = join(tmp.dir, 'cli.db')

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SPLINE_LAB_HOME: tmp.dir }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('spline-lab CLI', () => {
  it('runs the toy and prints one JSON object as the last stdout line', () => {
    const r = cli('run', '--dataset', 'builtin:xshape', '--model', 'mlp', '--method', 'dense', '--epochs', '5', '--seed', '3', '--db', db, '--json')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(out).toMatchObject({ status: 'finished', epochs: 5, dataset: 'builtin:xshape', model: 'mlp', method: 'dense' })
    expect(['wasm', 'tensorflow']).toContain(out.backend)
    expect(out.testAccuracy).toBeGreaterThan(0.8)
    expect(out.wallSeconds).toBeGreaterThan(0)
    expect(out.runId).toMatch(/^[a-z0-9-]+$/)
    const list = cli('runs', '--db', db, '--json')
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout).map((x: { id: string }) => x.id)).toContain(out.runId)
  })

  it('trains a wide mlp on helper threads, exits on its own, and learns what one thread learns', () => {
    const run = (threads: string) => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'run', '--dataset', 'builtin:fashion-mini', '--model', 'mlp', '--hidden', '512,512', '--epochs', '2', '--seed', '4', '--db', db, '--json'],
        { encoding: 'utf8', env: { ...process.env, SPLINE_LAB_HOME: tmp.dir, SPLINE_LAB_GEMM_THREADS: threads }, timeout: 120_000 },
      )
      expect(r.signal, `did not exit on its own: ${r.stderr}`).toBeNull()
      expect(r.status, r.stderr).toBe(0)
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    }
    const [two, one] = [run('2'), run('1')]
    expect(two.backendInfo.wasmThreads).toMatchObject({ threads: 1, gemmThreads: 2 })
    expect(one.backendInfo.wasmThreads).toMatchObject({ threads: 1, gemmThreads: 1 })
    expect(two.testAccuracy).toBeGreaterThan(0.7)
    expect(two.testAccuracy).toBe(one.testAccuracy)
  })

  it.each([
    [['run', '--epochs', '0', '--db', db], /--epochs: .*1/],
    [['run', '--model', 'resnet9000', '--db', db], /--model: must be one of/],
    [['run', '--lr', 'fast', '--db', db], /--lr: 'fast' is not a number/],
    [['run', '--dataset', 'builtin:nope', '--db', db], /--dataset: must be one of/],
    [['run', '--bogus', '--db', db], /bogus/],
    [['launch'], /unknown command 'launch'/],
  ])('exits 2 with one clear line for bad input %#', (args, message) => {
    const r = cli(...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
