import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, REPO, tempDir } from '../helpers/tmp'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SPLINE_LAB_HOME: tmp.dir }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('spline-lab bench', () => {
  it('prints only JSON on stdout with --json, on a tiny quick configuration', () => {
    const out = join(tmp.dir, 'results')
    // Seconds, not minutes: one model, one short window per row, no PyTorch, no cpu row.
    const r = cli(
      'bench',
      '--quick',
      '--json',
      '--models',
      'mlp',
      '--sections',
      'training,store',
      '--no-torch',
      '--no-cpu',
      '--warmup',
      '0',
      '--window',
      '0.05',
      '--windows',
      '1',
      '--threads',
      '1',
      '--out',
      out,
    )
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['startedAt', 'machine', 'runs', 'torch', 'params', 'epoch', 'spline', 'store', 'kernels']))
    expect(report.sections).toEqual(['training', 'store'])
    expect(report.runs.map((x: { config: { label: string } }) => x.config.label)).toEqual(['wasm stock', 'wasm ours'])
    for (const run of report.runs) {
      expect(run.backend).toBe('wasm')
      expect(run.results).toHaveLength(1)
      expect(run.results[0]).toMatchObject({ model: 'mlp', params: 669_706 })
      expect(Number.isFinite(run.results[0].samplesPerSec) && run.results[0].samplesPerSec > 0).toBe(true)
    }
    expect(report.torch).toBe('PyTorch skipped (--no-torch)')
    expect(report.params).toEqual([expect.objectContaining({ model: 'mlp', ours: 669_706, torch: null, equal: null })])
    expect(report.epoch).toBeNull()
    expect(report.spline).toBeNull()
    expect(report.kernels).toBeNull()
    expect(report.store.sqlite).toMatchObject({ model: 'vgg11', rowsPerEpoch: 9, epochsPerRun: 160 })
    expect(report.store.sqlite.epochsPerSec).toBeGreaterThan(0)
    expect(report.store.report).toMatchObject({ epochs: 30, pdfMs: null })
    expect(report.store.report.htmlBytes).toBeGreaterThan(10_000)
    // the same document is kept in --out
    const files = readdirSync(out)
    expect(files).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(out, files[0]!), 'utf8'))).toEqual(report)
  })

  it('prints the tables of an earlier run with --report', () => {
    const file = join(REPO, 'test', 'fixtures', 'bench-report.json')
    const r = cli('bench', '--report', file)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('ours / PyTorch, samples/s (same run):')
    expect(r.stdout).toContain(`read from ${file}`)
  })

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--models', 'mlp,resnet20'], /--models: 'resnet20' is not one of mlp, cnn, vgg11/],
    [['--windows', '-1'], /--windows/],
  ])('exits 2 with one line for bad flags %#', (args, message) => {
    const r = cli('bench', ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toBe('')
  })
})
