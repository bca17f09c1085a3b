/**
 * The real thing: all 70,000 Fashion-MNIST images from Debian's dataset-fashion-mnist (installed
 * by .ci/run), imported through the IDX reader into a cache, checked against statistics this
 * test computes itself from the gzipped files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { importFolder, type ImportOutcome } from '../../src-main/data/import/importFolder'
import { readCache } from '../../src-main/data/import/cacheFile'
import { loadDataset } from '../../src-main/data/datasets'
import { tempDir } from '../helpers/tmp'

const FASHION = '/usr/share/datasets/fashion-mnist'
const have = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'))
const tmp = tempDir('spline-lab-fashion-')
afterAll(() => tmp.cleanup())

const memo = new Map<string, ReturnType<typeof compute>>()
const independent = (split: 'train' | 't10k') => memo.get(split) ?? memo.set(split, compute(split)).get(split)!

/** mean/std of all bytes after the 16-byte header, and the label histogram — computed here */
function compute(split: 'train' | 't10k') {
  const x = gunzipSync(readFileSync(join(FASHION, `${split}-images-idx3-ubyte.gz`))).subarray(16)
  const y = gunzipSync(readFileSync(join(FASHION, `${split}-labels-idx1-ubyte.gz`))).subarray(8)
  let sum = 0
  let sumSq = 0
  for (let i = 0; i < x.length; i++) {
    sum += x[i]!
    sumSq += x[i]! * x[i]!
  }
  const mean = sum / x.length
  const hist = new Array(10).fill(0)
  for (const c of y) hist[c]++
  return { x, y, mean, std: Math.sqrt(sumSq / x.length - mean * mean), hist }
}

describe.skipIf(!have)('Fashion-MNIST IDX import (70,000 images)', () => {
  let first: ImportOutcome
  let seconds = 0
  beforeAll(async () => {
    const t = performance.now()
    first = await importFolder(FASHION, {}, { dataDir: tmp.dir })
    seconds = (performance.now() - t) / 1000
    console.log(`[fashion] imported 70,000 images in ${seconds.toFixed(2)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`)
  })

  it('detects IDX (gzip) and counts 60,000 + 10,000 images of 28×28×1 in 10 named classes', () => {
    const info = first.info
    expect(first.cached).toBe(false)
    expect(info).toMatchObject({
      format: 'idx',
      task: 'classification',
      trainCount: 60000,
      testCount: 10000,
      inputShape: [28, 28, 1],
      numClasses: 10,
      split: null,
    })
    expect(info.id).toMatch(/^ds:[0-9a-f]{16}$/)
    expect(info.classes!.map((c) => c.name)).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'])
    expect(info.description).toMatch(/IDX, gzip/)
    expect(info.thumbnails).toHaveLength(8)
    expect(info.thumbnails![0]).toMatch(/^data:image\/png;base64,/)
    expect(info.warnings).toEqual([])
    expect(first.cacheFile.startsWith(tmp.dir)).toBe(true)
    // uint8 pixels + int32 labels + a small footer: compact
    expect(info.cacheBytes).toBeLessThan(70000 * 784 + 70000 * 4 + 64 * 1024)
  })

  it('has the label histogram 6,000 per class (train) and 1,000 per class (test)', () => {
    expect(first.info.classes!.map((c) => c.train)).toEqual(independent('train').hist)
    expect(first.info.classes!.every((c) => c.train === 6000 && c.test === 1000)).toBe(true)
  })

  it('has per-channel stats equal to the ones computed from the raw file, and the known 0.2860 / 0.3530', () => {
    const raw = independent('train')
    const { mean, std } = first.info.stats!
    expect(mean[0]).toBeCloseTo(raw.mean, 9)
    expect(std[0]).toBeCloseTo(raw.std, 9)
    expect(mean[0]! / 255).toBeCloseTo(0.286, 3)
    expect(std[0]! / 255).toBeCloseTo(0.353, 3)
  })

  it('stores every pixel and label exactly, in file order', () => {
    const cache = readCache(first.cacheFile)
    const tr = independent('train')
    const te = independent('t10k')
    expect(Buffer.from(cache.xTrain as Uint8Array).equals(Buffer.from(tr.x))).toBe(true)
    expect(Buffer.from(cache.xTest as Uint8Array).equals(Buffer.from(te.x))).toBe(true)
    expect(Array.from(cache.yTrain.subarray(0, 10))).toEqual(Array.from(tr.y.subarray(0, 10)))
    expect(Int32Array.from(te.y)).toEqual(cache.yTest)
    // a few pixel facts: test image 0 is an ankle boot (9); the mean test pixel is close to train's
    expect(cache.yTest[0]).toBe(9)
    expect(te.mean / 255).toBeCloseTo(0.2868, 3)
  })

  it('re-imports from the cache, unchanged, in a fraction of the time', async () => {
    const t = performance.now()
    const again = await importFolder(FASHION, {}, { dataDir: tmp.dir })
    const s = (performance.now() - t) / 1000
    expect(again.cached).toBe(true)
    expect(again.info.id).toBe(first.info.id)
    expect(s).toBeLessThan(Math.max(0.5, seconds / 5))
  })

  it('loads as a normalized dataset for the trainer', () => {
    const ds = loadDataset(first.info.id, 0, { dataDir: tmp.dir })
    expect(ds).toMatchObject({ task: 'classification', numClasses: 10, inputShape: [28, 28, 1] })
    expect(ds.xTrain.length).toBe(60000 * 784)
    let sum = 0
    for (let i = 0; i < ds.xTrain.length; i += 97) sum += ds.xTrain[i]!
    expect(Math.abs(sum / Math.ceil(ds.xTrain.length / 97))).toBeLessThan(0.02)
  })
})
