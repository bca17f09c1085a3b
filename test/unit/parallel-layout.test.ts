/**
 * The pure parts of data-parallel training: shard sizes, the shared-memory layout, combining the
 * shards' BN statistics, and how many workers a run gets.
 */
import { describe, expect, it } from 'vitest'
import { buildLayout, combineBnStats, planShards, readError, replicaBytes, replicaViews, writeError } from '../../src-main/worker/parallel/layout'
import { decideTrainWorkers, trainWorkersFromEnv } from '../../src-main/worker/parallel/workers'
import { buildSpec } from '../../src-main/core/models'
import { seededValues } from '../helpers/wasm'

describe('planShards', () => {
  it('splits as evenly as possible, the remainder to the first shards', () => {
    expect(planShards(64, 2)).toEqual([32, 32])
    expect(planShards(37, 2)).toEqual([19, 18])
    expect(planShards(10, 4)).toEqual([3, 3, 2, 2])
    expect(planShards(1, 2)).toEqual([1, 0])
    for (const [n, w] of [
      [65, 3],
      [7, 2],
      [1000, 5],
    ] as const)
      expect(planShards(n, w).reduce((a, b) => a + b)).toBe(n)
  })
})

describe('shared-memory layout', () => {
  it('gives each region its own bytes, aligned for its type', () => {
    const layout = buildLayout(
      [
        { name: 'a', shape: [3, 5] },
        { name: 'b', shape: [7] },
      ],
      [{ id: 'bn', channels: 5 }],
      13,
      9,
    )
    expect(layout.paramFloats).toBe(22)
    expect(layout.params.map((p) => p.offset)).toEqual([0, 15])
    expect(layout.bnFloats).toBe(10)
    const buffer = new SharedArrayBuffer(replicaBytes(layout))
    const v = replicaViews(buffer, layout)
    const spans = [v.ctrl, v.loss, v.error, v.x, v.y, v.grads, v.bn].map((a) => [a.byteOffset, a.byteOffset + a.byteLength] as const)
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1])
    expect(spans.at(-1)![1]).toBe(buffer.byteLength)
    expect(v.loss.byteOffset % 8).toBe(0)
    expect(() => replicaViews(new SharedArrayBuffer(16), layout)).toThrow(/layout needs/)
  })

  it('carries a failure message across, truncated to its region', () => {
    const layout = buildLayout([], [], 1, 1)
    const v = replicaViews(new SharedArrayBuffer(replicaBytes(layout)), layout)
    writeError(v, 'replica said: no ✓')
    expect(readError(v)).toBe('replica said: no ✓')
    writeError(v, 'x'.repeat(5000))
    expect(readError(v)).toHaveLength(1024)
  })
})

describe('combineBnStats', () => {
  it('equals the mean and biased variance of the union of the shards', () => {
    const channels = 3
    const rows = [13, 7, 1]
    const data = rows.map((n, s) => seededValues(n * channels, 11 + s).map((v) => v * (s + 1) + s))
    const stats = (values: Float32Array[]) => {
      const all = values.flatMap((v) => [...v])
      const n = all.length / channels
      const mean = Array.from({ length: channels }, (_, c) => all.filter((_, i) => i % channels === c).reduce((a, b) => a + b, 0) / n)
      const variance = mean.map((m, c) => all.filter((_, i) => i % channels === c).reduce((a, b) => a + (b - m) ** 2, 0) / n)
      return { mean, variance, count: n }
    }
    const combined = combineBnStats(data.map((d) => stats([d])))
    const whole = stats(data)
    expect(combined.count).toBe(21)
    for (let c = 0; c < channels; c++) {
      expect(combined.mean[c]).toBeCloseTo(whole.mean[c]!, 5)
      expect(combined.variance[c]).toBeCloseTo(whole.variance[c]!, 5)
    }
  })

  it('skips empty shards and refuses to combine nothing', () => {
    const one = { mean: [1, 2], variance: [3, 4], count: 5 }
    const out = combineBnStats([one, { mean: [NaN, NaN], variance: [NaN, NaN], count: 0 }])
    expect([...out.mean, ...out.variance, out.count]).toEqual([1, 2, 3, 4, 5])
    expect(() => combineBnStats([])).toThrow()
  })
})

describe('how many trainer workers', () => {
  const cnn = buildSpec('cnn', [28, 28, 1], 10)
  const mlp = buildSpec('mlp', [784], 10, { hidden: [512, 512] })
  const toy = buildSpec('mlp', [2], 2, { hidden: [20] })
  // a Fashion-MNIST epoch
  const base = { backend: 'wasm', spec: cnn, batchSize: 64, runExamples: 60_000, wasmThreads: 1, cores: 2, env: {} }

  it("'auto' shares only where it pays", () => {
    expect(decideTrainWorkers(undefined, base)).toEqual({ workers: 2, why: '2 of 2 cores' })
    expect(decideTrainWorkers('auto', { ...base, cores: 8 }).workers).toBe(2)
    expect(decideTrainWorkers('auto', { ...base, backend: 'cpu' }).workers).toBe(2)
    expect(decideTrainWorkers('auto', { ...base, spec: toy })).toMatchObject({ workers: 1, why: expect.stringMatching(/MFLOP per batch/) })
    // the mlp's step is mostly per-weight work at batch 64 (+6 % measured), not at batch 128 (+33 %)
    expect(decideTrainWorkers('auto', { ...base, spec: mlp })).toMatchObject({ workers: 1, why: expect.stringMatching(/^128 FLOP per parameter/) })
    expect(decideTrainWorkers('auto', { ...base, spec: mlp, batchSize: 128 }).workers).toBe(2)
    expect(decideTrainWorkers('auto', { ...base, runExamples: 600 * 4 })).toMatchObject({ workers: 1, why: expect.stringMatching(/too short a run/) })
    expect(decideTrainWorkers('auto', { ...base, batchSize: 31 })).toMatchObject({ workers: 1, why: expect.stringMatching(/batch 31/) })
    expect(decideTrainWorkers('auto', { ...base, cores: 1 }).workers).toBe(1)
    expect(decideTrainWorkers('auto', { ...base, wasmThreads: 2 }).workers).toBe(1)
    expect(decideTrainWorkers('auto', { ...base, backend: 'tensorflow' }).workers).toBe(1)
  })

  it("'auto' leaves a mostly-dense model on one worker when its dense products use the cores", () => {
    const wide = { ...base, spec: mlp, batchSize: 256 }
    expect(decideTrainWorkers('auto', wide).workers).toBe(2)
    expect(decideTrainWorkers('auto', { ...wide, gemmThreads: 2 })).toMatchObject({
      workers: 1,
      why: expect.stringMatching(/^dense layers \(\d+ % of the FLOPs\) already run on 2 threads/),
    })
    // convolutions are XNNPACK's, on one thread: the cnn still splits its batches
    expect(decideTrainWorkers('auto', { ...base, gemmThreads: 2 }).workers).toBe(2)
    // only wasm runs our products
    expect(decideTrainWorkers('auto', { ...wide, backend: 'cpu', gemmThreads: 2 }).workers).toBe(2)
  })

  it('a resumed run keeps the count its checkpoint recorded, unless the config or the environment names one', () => {
    const tiny = { ...base, spec: toy } // 'auto' alone would keep it on one worker
    expect(decideTrainWorkers(undefined, { ...tiny, recorded: 2 })).toEqual({ workers: 2, why: '2 as before the run was resumed' })
    expect(decideTrainWorkers('auto', { ...tiny, recorded: 2 }).workers).toBe(2)
    expect(decideTrainWorkers(undefined, { ...base, recorded: 1 }).workers).toBe(1)
    expect(decideTrainWorkers(3, { ...tiny, recorded: 2 }).workers).toBe(3)
    expect(decideTrainWorkers(undefined, { ...tiny, recorded: 2, env: { SPLINE_LAB_TRAIN_WORKERS: '1' } }).workers).toBe(1)
    expect(decideTrainWorkers(undefined, { ...tiny, recorded: 2, env: { SPLINE_LAB_TRAIN_WORKERS: 'auto' } }).workers).toBe(2)
    // a damaged value is ignored
    expect(decideTrainWorkers(undefined, { ...tiny, recorded: 0 }).workers).toBe(1)
    expect(decideTrainWorkers(undefined, { ...tiny, recorded: 2.5 }).workers).toBe(1)
  })

  it('the run config wins over SPLINE_LAB_TRAIN_WORKERS, which wins over auto', () => {
    expect(decideTrainWorkers(3, { ...base, env: { SPLINE_LAB_TRAIN_WORKERS: '1' } })).toEqual({ workers: 3, why: 'set in the run config' })
    expect(decideTrainWorkers(undefined, { ...base, spec: toy, env: { SPLINE_LAB_TRAIN_WORKERS: '2' } })).toEqual({
      workers: 2,
      why: 'set by SPLINE_LAB_TRAIN_WORKERS',
    })
    expect(decideTrainWorkers(undefined, { ...base, env: { SPLINE_LAB_TRAIN_WORKERS: '1' } }).workers).toBe(1)
    expect(trainWorkersFromEnv({ SPLINE_LAB_TRAIN_WORKERS: 'auto' })).toBe('auto')
    expect(trainWorkersFromEnv({})).toBeUndefined()
    expect(() => trainWorkersFromEnv({ SPLINE_LAB_TRAIN_WORKERS: 'two' })).toThrow(/integer 1–16/)
  })
})
