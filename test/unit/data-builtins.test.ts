/** The built-in datasets: one list of ids, each loads with the shapes and counts it lists. */
import { describe, expect, it } from 'vitest'
import { statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { BUILTIN_DATASETS, RunConfigSchema } from '../../src-main/contract/api'
import { listBuiltins, loadDataset } from '../../src-main/data/datasets'
import { sawtoothTarget } from '../../src-main/data/builtin/toys'
import { REPO } from '../helpers/tmp'

const sameBytes = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

describe('built-in datasets', () => {
  it('the contract list and the registry agree', () => {
    expect(listBuiltins().map((d) => d.id)).toEqual([...BUILTIN_DATASETS])
  })

  it.each(BUILTIN_DATASETS.map((id) => [id]))('%s loads with the listed shape and counts, deterministically', (id) => {
    const info = listBuiltins().find((d) => d.id === id)!
    const a = loadDataset(id, 3)
    const per = info.inputShape.reduce((x, y) => x * y, 1)
    expect(a.id).toBe(id)
    expect(a.task).toBe(info.task)
    expect(a.inputShape).toEqual(info.inputShape)
    expect(a.numClasses).toBe(info.numClasses)
    expect(a.xTrain.length).toBe(info.trainCount * per)
    expect(a.yTrain.length).toBe(info.trainCount)
    expect(a.xTest.length).toBe(info.testCount * per)
    expect(a.yTest.length).toBe(info.testCount)
    expect(a.xTrain.every(Number.isFinite)).toBe(true)
    expect(sameBytes(loadDataset(id, 3).xTrain, a.xTrain)).toBe(true)
    if (a.task === 'classification') expect([...a.yTrain, ...a.yTest].every((y) => y >= 0 && y < a.numClasses)).toBe(true)
    if (info.inputShape.length === 1 && info.inputShape[0] === 2) expect(a.bounds).toHaveLength(2)
  })

  it('toy data differs by seed; every class of the 64-Gaussian mixture is present', () => {
    expect(sameBytes(loadDataset('builtin:spirals', 1).xTrain, loadDataset('builtin:spirals', 2).xTrain)).toBe(false)
    const g = loadDataset('builtin:gaussians', 0)
    expect(new Set(g.yTrain).size).toBe(64)
  })

  it('the sawtooth is a regression set with two peaks', () => {
    const s = loadDataset('builtin:sawtooth', 0)
    expect(s.task).toBe('regression')
    expect(s.yTrain).toBeInstanceOf(Float32Array)
    expect(sawtoothTarget(0.999)).toBeCloseTo(0.999)
    expect(sawtoothTarget(1.0)).toBe(0)
    expect(sawtoothTarget(1.999)).toBeCloseTo(0.999)
    for (let i = 0; i < s.yTrain.length; i++) expect(Math.abs(s.yTrain[i]! - sawtoothTarget(s.xTrain[i]!))).toBeLessThan(0.06)
  })

  it('Fashion-MNIST mini: balanced, normalized, small on disk, with its licence noted', () => {
    const f = loadDataset('builtin:fashion-mini', 0)
    const hist = new Array(10).fill(0)
    for (const y of f.yTrain) hist[y]++
    expect(hist).toEqual(new Array(10).fill(350))
    let sum = 0
    for (const v of f.xTrain) sum += v
    expect(Math.abs(sum / f.xTrain.length)).toBeLessThan(1e-3)
    expect(f.stats!.mean[0]! / 255).toBeCloseTo(0.286, 1)
    expect(f.classNames[9]).toBe('Ankle boot')
    const dir = join(REPO, 'resources', 'fashion-mnist-mini')
    const bytes = readdirSync(dir).reduce((s, n) => s + statSync(join(dir, n)).size, 0)
    expect(bytes).toBeLessThan(2_100_000)
    const info = listBuiltins().find((d) => d.id === 'builtin:fashion-mini')!
    expect(info.thumbnails).toHaveLength(8)
  })
})

describe('config.dataset', () => {
  const base = { model: 'mlp' }
  it.each(['builtin:xshape', 'builtin:fashion-mini', 'ds:0123456789abcdef'])('accepts %s', (dataset) => {
    expect(RunConfigSchema.safeParse({ ...base, dataset }).success).toBe(true)
  })
  it.each(['builtin:nope', 'ds:xyz', '/home/me/data', ''])('refuses %j with the list of choices', (dataset) => {
    const r = RunConfigSchema.safeParse({ ...base, dataset })
    expect(r.success).toBe(false)
    expect(r.error!.issues[0]!.message).toMatch(/must be one of builtin:xshape, .*builtin:fashion-mini or ds:<id> of an imported dataset/)
  })
})
