import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBenchArgs, BenchUsageError } from '../../bench/options'
import { configs, splineRows } from '../../bench/plan'
import { formatReport } from '../../bench/report'
import type { BenchReport } from '../../bench/types'
import type { SplineWatchResult } from '../../bench/splineWatch'
import { WASM_KERNEL_NAMES } from '../../src-main/worker/backends/wasm/kernels/registry'
import { REPO } from '../helpers/tmp'

const fixture = (): BenchReport => JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'bench-report.json'), 'utf8')) as BenchReport
const lineWith = (text: string, ...parts: string[]): string | undefined => text.split('\n').find((l) => parts.every((p) => l.includes(p)))

describe('bench report', () => {
  it('prints every section of a fixture run with the ratios computed from its numbers', () => {
    const text = formatReport(fixture(), 'read from fixture')
    expect(text).toContain('load average 0.50 → 1.25')
    // 4,000 / 500 samples/s = 8.00× stock; 64,000 / 4,000 = 16.0 ms per step
    expect(lineWith(text, 'mlp', 'wasm ours (+ Identity, Cast)', '4,000', '16.0', '8.00×')).toBeDefined()
    expect(lineWith(text, 'mlp', 'PyTorch 1.13.0a0, 2 threads', '5,000')).toBeDefined()
    // ours/PyTorch: 4,000/10,000 at 1 thread, 5,000/5,000 at 2, best 5,000/10,000; cnn best 1,200/2,500
    expect(lineWith(text, 'mlp', 'vs PyTorch 1 thread(s)', '0.40×')).toBeDefined()
    expect(lineWith(text, 'mlp', '2 threads vs PyTorch 2 thread(s)', '1.00×')).toBeDefined()
    expect(lineWith(text, 'mlp', 'best of ours vs best of PyTorch', '0.50×')).toBeDefined()
    expect(lineWith(text, 'cnn', 'best of ours vs best of PyTorch', '0.48×')).toBeDefined()
    expect(lineWith(text, 'cnn', '20,538 / 20,539', 'DIFFERENT')).toBeDefined()
    expect(lineWith(text, 'mlp', '669,706 / 669,706', 'equal')).toBeDefined()
    // epoch: 60 s vs 25 s
    expect(text).toContain('60,000 of 60,000 training images (a full epoch)')
    expect(text).toMatch(/evaluation is timed apart and not included/)
    expect(lineWith(text, 'ours / PyTorch wall time, 1 core(s) each: 2.40×')).toBeDefined()
    // spline: (100 + 10) ms mean of 60 s = 0.18 %, last (100 + 20) / 60 s = 0.20 %
    expect(lineWith(text, 'cnn', '524,288', '100.0', '0.00 → 20.00', '60.0', '0.18 %', '0.20 %')).toBeDefined()
    expect(lineWith(text, 'cnn', '64.0 KiB', '18.4 MiB', '1/294.0', '2.0 MiB', '1/32.0')).toBeDefined()
    expect(text).toContain('conv1.bn keeps 64 of 784 positions')
    expect(text).toMatch(/1,500 epochs\/s \(13,500 distance rows\/s\)/)
    expect(text).toMatch(/first render 250 ms, then 200 ms; PDF not measured \(no Chromium found\)/)
    expect(text).toContain('read from fixture (600 s)')
  })

  it('says why a section is missing instead of printing an empty table', () => {
    const r = fixture()
    r.torch = 'PyTorch not measured: No module named torch'
    r.epoch = { rows: [], skipped: 'no Fashion-MNIST at /nowhere', torchNote: null }
    r.spline = null
    r.store = null
    const text = formatReport(r, 'x')
    expect(text).toContain('PyTorch not measured: No module named torch')
    expect(text).toContain('Fashion-MNIST epoch not measured: no Fashion-MNIST at /nowhere')
    expect(text).not.toContain('spline watch')
    expect(text).not.toContain('SQLite')
    // our epoch rows stay when only PyTorch's are missing
    const partial = fixture()
    partial.epoch = { rows: partial.epoch!.rows.filter((e) => e.engine === 'ours'), skipped: null, torchNote: 'PyTorch epoch not measured: no numpy' }
    partial.params[0] = { ...partial.params[0]!, torch: null, torchSizes: null, equal: null, torchNote: 'PyTorch not asked (--no-torch)' }
    const t2 = formatReport(partial, 'x')
    expect(lineWith(t2, 'wasm ours, 1 thread (TrainingEngine)', '60.0')).toBeDefined()
    expect(t2).toContain('PyTorch epoch not measured: no numpy')
    expect(t2).not.toContain('ours / PyTorch wall time')
    expect(lineWith(t2, 'mlp', '669,706 / –', 'PyTorch not asked (--no-torch)')).toBeDefined()
  })
})

describe('bench plan', () => {
  it('compares a trainer-workers row with PyTorch on as many threads, and counts it for the best of ours', () => {
    const r = fixture()
    const one = r.runs.find((x) => x.config.label === 'wasm ours (+ Identity, Cast)')!
    // 4,500 mlp samples/s on 2 workers of 1 thread: vs PyTorch's 2 threads (5,000) 0.90×; best of ours stays 5,000
    r.runs.push({
      ...one,
      config: { ...one.config, label: 'wasm ours, 2 trainer workers', step: 'parallel-2' },
      results: one.results.map((x) => ({ ...x, samplesPerSec: x.model === 'mlp' ? 4500 : 3000 })),
    })
    const text = formatReport(r, 'read from fixture')
    expect(lineWith(text, 'mlp', '2 trainer workers vs PyTorch 2 thread(s)', '0.90×')).toBeDefined()
    // cnn: 3,000 on two workers is now the best of ours, against PyTorch's best 2,500
    expect(lineWith(text, 'cnn', 'best of ours vs best of PyTorch', '1.20×')).toBeDefined()
  })

  it('adds every one of our kernels by the last single-thread row, and keeps vgg11 off cpu', () => {
    const full = configs(parseBenchArgs([]), 2)
    const wasm1 = full.filter((c) => c.backend === 'wasm' && c.threads === 1 && c.step === undefined && c.gemmThreads === undefined)
    // the trainer's default on one worker: all kernels, dense products on both cores
    expect(full.find((c) => c.gemmThreads === 2)).toMatchObject({ threads: 1, kernels: [...WASM_KERNEL_NAMES] })
    expect(full.find((c) => c.step === 'parallel-2')?.kernels.length).toBe(WASM_KERNEL_NAMES.length)
    expect(wasm1[0]!.label).toBe('wasm stock')
    expect(wasm1[0]!.kernels).toEqual(['Conv2DBackpropFilter'])
    expect([...wasm1.at(-1)!.kernels].sort()).toEqual([...WASM_KERNEL_NAMES].sort())
    for (let i = 1; i < wasm1.length; i++) expect(wasm1[i]!.kernels.length).toBeGreaterThan(wasm1[i - 1]!.kernels.length)
    expect(full.find((c) => c.threads === 2)?.kernels.length).toBe(WASM_KERNEL_NAMES.length)
    expect(full.find((c) => c.backend === 'cpu')?.models).toEqual(['mlp', 'cnn'])
    const quick = configs(parseBenchArgs(['--quick', '--threads', '1']), 1)
    expect(quick.map((c) => c.label)).toEqual(['wasm stock', 'wasm ours', 'cpu (plain JS)'])
    expect(quick.at(-1)!.models).toEqual(['mlp'])
  })

  it('takes the spline watch’s share of an epoch at our 1-thread rate with all kernels', () => {
    const r = fixture()
    const watch = { ...r.spline![0]!, recordMs: [50, 70], matrixMs: [10, 30] } as SplineWatchResult
    const [row] = splineRows([watch], r.runs, 60_000)
    // cnn at 1,000 samples/s (not the 2-thread 1,200 nor stock 250): 60 s an epoch
    expect(row!.rateFrom).toBe('wasm ours (+ Identity, Cast)')
    expect(row!.epochTrainSeconds).toBe(60)
    expect(row!.meanPercent).toBeCloseTo((80 / 60_000) * 100, 10)
    expect(row!.lastPercent).toBeCloseTo((100 / 60_000) * 100, 10)
    const [none] = splineRows([{ ...watch, model: 'vgg11' }], r.runs, 60_000)
    expect(none!.meanPercent).toBeNull()
    expect(none!.rateFrom).toBeNull()
  })
})

describe('bench options', () => {
  it('defaults to a full run and shortens the epoch under --quick', () => {
    const full = parseBenchArgs([])
    expect(full).toMatchObject({ quick: false, rounds: 3, models: ['mlp', 'cnn', 'vgg11'], epochImages: 60_000, splineEpochs: 30, torch: true })
    expect(full.sections).toEqual(['training', 'epoch', 'spline', 'store', 'kernels'])
    const quick = parseBenchArgs(['--quick', '--no-kernels', '--models', 'vgg11,cnn'])
    expect(quick).toMatchObject({ rounds: 1, epochImages: 6_400, models: ['cnn', 'vgg11'] })
    expect(quick.sections).not.toContain('kernels')
  })

  it.each([
    [['--rounds', '0'], /--rounds/],
    [['--models', 'mlp,resnet20'], /--models: 'resnet20'/],
    [['--sections', 'training,gpu'], /--sections: 'gpu'/],
    [['--window', 'soon'], /--window/],
    [['--fast'], /fast/],
    [['extra'], /extra/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchUsageError)
    expect(() => parseBenchArgs(argv)).toThrow(message)
  })
})
