/**
 * Turns stored bytes into the trainer's Dataset: imported caches (`ds:<id>`) and the shipped
 * Fashion-MNIST mini set. Inputs are normalized per channel (the last input dimension: colour
 * channels of images, features of tables) with the training split's mean and std.
 */
import { existsSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import type { Dataset } from './builtin/types'
import { ChannelStats, readCache, readCacheMeta } from './import/cacheFile'
import { bytesText, fmt } from './import/errors'
import { parseIdxHeader } from './import/idx'
import { cacheFileOf } from './import/importFolder'
import { setting } from '../settings/settings'

export class DatasetError extends Error {}

export function normalize(x: Uint8Array | Float32Array, stats: { mean: number[]; std: number[] }): Float32Array {
  const C = stats.mean.length
  const mean = Float32Array.from(stats.mean)
  const inv = Float32Array.from(stats.std, (s) => (s > 1e-8 ? 1 / s : 1))
  const out = new Float32Array(x.length)
  if (C === 1) {
    const m = mean[0]!
    const k = inv[0]!
    for (let i = 0; i < x.length; i++) out[i] = (x[i]! - m) * k
  } else for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean[i % C]!) * inv[i % C]!
  return out
}

/** [min, max] per dimension with 10 % margin, for the probe grid of 1-D and 2-D inputs */
export function boundsOf(xs: Float32Array[], dims: number): [number, number][] {
  const out: [number, number][] = Array.from({ length: dims }, () => [Infinity, -Infinity])
  for (const x of xs)
    for (let i = 0; i < x.length; i++) {
      const b = out[i % dims]!
      if (x[i]! < b[0]) b[0] = x[i]!
      if (x[i]! > b[1]) b[1] = x[i]!
    }
  return out.map(([lo, hi]) => {
    const pad = (hi - lo || 1) * 0.1
    return [lo - pad, hi + pad]
  })
}

/**
 * What one run may hold of its dataset in memory: the inputs as read plus as float32 tensors'
 * source. A quarter of this machine's memory, and never more than the 4 GiB a wasm heap can
 * address, so a dataset too big to train on is refused in one line before it is read, instead
 * of dying inside the backend ("memory access out of bounds").
 */
export function trainingBudget(): number {
  return Math.min(Math.floor(totalmem() / 4), 4 * 2 ** 30)
}

export interface ImportedLimits {
  /** the run's trainLimit / testLimit: only these first rows are read */
  train?: number
  test?: number
  /** bytes the loaded inputs may take (trainingBudget() by default) */
  budget?: number
}

export function loadImported(id: string, dataDir: string | undefined, limits: ImportedLimits = {}): Dataset {
  if (!dataDir) throw new DatasetError(`dataset '${id}' is imported, but the trainer was not told the app's data folder`)
  const file = cacheFileOf(dataDir, id)
  if (!existsSync(file)) throw new DatasetError(`dataset '${id}' has no cache at ${file}; import its folder again`)
  const head = readCacheMeta(file)
  if (!head) throw new DatasetError(`dataset '${id}': ${file} is not a complete dataset cache; import its folder again`)
  // 1-D and 2-D tables are small and their probe-grid bounds come from all rows: read whole
  const flat = head.inputShape.length === 1 && head.inputShape[0]! <= 2
  const rows = flat ? {} : { train: limits.train, test: limits.test }
  const nTrain = Math.min(head.trainCount, rows.train ?? Infinity)
  const nTest = Math.min(head.testCount, rows.test ?? Infinity)
  const feat = head.inputShape.reduce((a, b) => a * b, 1)
  const perExample = feat * ((head.dtype === 'uint8' ? 1 : 4) + 4) + 4
  const need = (nTrain + nTest) * perExample
  const budget = limits.budget ?? trainingBudget()
  if (need > budget) {
    const fit = Math.max(1, Math.floor((budget * 0.8) / perExample))
    throw new DatasetError(
      `dataset '${id}' needs ${bytesText(need)} of memory to train on (${fmt(nTrain + nTest)} examples of ${head.inputShape.join('×')}, as float32), more than the ${bytesText(budget)} a run may use on this machine; train on fewer examples with trainLimit / testLimit (CLI --train-limit ${Math.max(1, Math.round(fit * 0.8))} --test-limit ${Math.max(1, Math.round(fit * 0.2))})`,
    )
  }
  const { meta, xTrain, xTest, yTrain, yTest } = readCache(file, rows)
  const xs = [normalize(xTrain, meta.stats), normalize(xTest, meta.stats)] as const
  const base = {
    id,
    xTrain: xs[0],
    xTest: xs[1],
    inputShape: meta.inputShape,
    classNames: meta.classNames,
    stats: meta.stats,
    ...(flat ? { bounds: boundsOf([...xs], meta.inputShape[0]!) } : {}),
  }
  return meta.task === 'regression'
    ? { ...base, task: 'regression', yTrain: yTrain as Float32Array, yTest: yTest as Float32Array, numClasses: 1 }
    : { ...base, task: 'classification', yTrain: yTrain as Int32Array, yTest: yTest as Int32Array, numClasses: meta.numClasses }
}

/** Where the shipped resources are: next to the sources, the bundle, or the packaged app. */
export function resourcePath(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  const resources = setting('resources')
  const candidates = [
    ...(resources ? [join(resources, name)] : []),
    ...(packaged ? [join(packaged, name), join(packaged, 'resources', name)] : []),
    ...[1, 2, 3, 4].map((up) => join(here, ...Array<string>(up).fill('..'), 'resources', name)),
  ]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new DatasetError(`built-in data '${name}' not found (looked in ${candidates.join(', ')})`)
  return found
}

function readIdxGz(file: string): { dims: number[]; data: Uint8Array } {
  const raw = gunzipSync(readFileSync(file))
  const header = parseIdxHeader(raw, true)
  if (!header) throw new DatasetError(`${file} is not an IDX file`)
  return { dims: header.dims, data: raw.subarray(header.headerBytes) }
}

let fashionStats: { mean: number[]; std: number[] } | null = null

/** The shipped 3,500 + 1,000 Fashion-MNIST images ([28, 28, 1], normalized). */
export function fashionMini(): Dataset {
  const dir = resourcePath('fashion-mnist-mini')
  const xTr = readIdxGz(join(dir, 'train-images-idx3-ubyte.gz'))
  const yTr = readIdxGz(join(dir, 'train-labels-idx1-ubyte.gz'))
  const xTe = readIdxGz(join(dir, 't10k-images-idx3-ubyte.gz'))
  const yTe = readIdxGz(join(dir, 't10k-labels-idx1-ubyte.gz'))
  if (!fashionStats) {
    const s = new ChannelStats(1, 'uint8')
    s.add(xTr.data)
    fashionStats = s.result()
  }
  return {
    id: 'builtin:fashion-mini',
    task: 'classification',
    xTrain: normalize(xTr.data, fashionStats),
    yTrain: Int32Array.from(yTr.data),
    xTest: normalize(xTe.data, fashionStats),
    yTest: Int32Array.from(yTe.data),
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: readFileSync(join(dir, 'classes.txt'), 'utf8').trim().split('\n'),
    stats: fashionStats,
  }
}

/** Raw first images of the first classes of the shipped set, for thumbnails. */
export function fashionMiniSamples(count: number): { label: number; pixels: Uint8Array }[] {
  const dir = resourcePath('fashion-mnist-mini')
  const x = readIdxGz(join(dir, 'train-images-idx3-ubyte.gz')).data
  const y = readIdxGz(join(dir, 'train-labels-idx1-ubyte.gz')).data
  const out: { label: number; pixels: Uint8Array }[] = []
  for (let i = 0; i < y.length && out.length < count; i++) {
    if (!out.some((o) => o.label === y[i])) out.push({ label: y[i]!, pixels: x.subarray(i * 784, (i + 1) * 784) })
  }
  return out
}
