/**
 * Dataset registry: the built-ins (generated from a seed, or shipped in resources/) and imported
 * folders (`ds:<id>`, read from their cache in the app's data folder). `loadDataset` is the one
 * entry the trainer calls.
 */
import { BUILTIN_DATASETS, type BuiltinDatasetId, type DatasetInfo } from '../contract/api'
import type { Dataset } from './builtin/types'
import { gaussians, sawtooth, spirals } from './builtin/toys'
import { xshape } from './builtin/xshape'
import { DatasetError, fashionMini, fashionMiniSamples, loadImported } from './cachedDataset'
import { thumbnailDataUrl } from './import/images'

export { DatasetError } from './cachedDataset'

interface BuiltinEntry {
  info: DatasetInfo
  load(seed: number): Dataset
}

const toy = (
  id: BuiltinDatasetId,
  name: string,
  description: string,
  dims: number,
  classes: string[],
  train: number,
  test: number,
  task: 'classification' | 'regression' = 'classification',
): DatasetInfo => ({
  id,
  name,
  description,
  inputShape: [dims],
  numClasses: task === 'regression' ? 1 : classes.length,
  trainCount: train,
  testCount: test,
  task,
  format: 'builtin',
})

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

const BUILTINS: Record<BuiltinDatasetId, BuiltinEntry> = {
  'builtin:xshape': {
    info: toy(
      'builtin:xshape',
      'X-shape (2-D toy)',
      '2,000 points in [−5,5]², two classes split by the lines y = ±x (reference FCNet toy)',
      2,
      ['left/right', 'top/bottom'],
      1600,
      400,
    ),
    load: (seed) => xshape(seed),
  },
  'builtin:spirals': {
    info: toy(
      'builtin:spirals',
      'Two spirals (2-D toy)',
      '2,000 points on two interleaved spirals, 1.5 turns each, σ = 0.15 noise',
      2,
      ['spiral A', 'spiral B'],
      1600,
      400,
    ),
    load: (seed) => spirals(seed),
  },
  'builtin:gaussians': {
    info: toy(
      'builtin:gaussians',
      '64 Gaussians (2-D toy)',
      '3,200 points from 64 Gaussians (σ = 0.12) on an 8×8 grid, one class per component (paper Fig. 5)',
      2,
      Array.from({ length: 64 }, String),
      2560,
      640,
    ),
    load: (seed) => gaussians(seed),
  },
  'builtin:sawtooth': {
    info: toy(
      'builtin:sawtooth',
      'Sawtooth (1-D regression)',
      '1,000 points x ∈ [0, 2), y = sawtooth with two peaks + N(0, 0.01²) (paper Fig. 6)',
      1,
      [],
      800,
      200,
      'regression',
    ),
    load: (seed) => sawtooth(seed),
  },
  'builtin:fashion-mini': {
    info: {
      id: 'builtin:fashion-mini',
      name: 'Fashion-MNIST mini',
      description: '3,500 train / 1,000 test greyscale 28×28 Fashion-MNIST images, 10 balanced classes (shipped, MIT licence)',
      inputShape: [28, 28, 1],
      numClasses: 10,
      trainCount: 3500,
      testCount: 1000,
      task: 'classification',
      format: 'builtin',
      classes: FASHION.map((name) => ({ name, train: 350, test: 100 })),
    },
    load: () => fashionMini(),
  },
}

let fashionThumbs: string[] | null = null

export function listBuiltins(): DatasetInfo[] {
  return BUILTIN_DATASETS.map((id) => {
    const info = BUILTINS[id].info
    if (id !== 'builtin:fashion-mini') return info
    try {
      fashionThumbs ??= fashionMiniSamples(8).map((s) => thumbnailDataUrl(s.pixels, 28, 28, 1))
    } catch {
      fashionThumbs = []
    }
    return { ...info, thumbnails: fashionThumbs }
  })
}

/** @deprecated built-ins only; the service lists imported datasets too */
export const listDatasets = listBuiltins

export interface LoadOptions {
  /** the app's data folder, where imported datasets are cached */
  dataDir?: string
  /** a run's trainLimit / testLimit: an imported dataset is read only this far (and bounded by memory) */
  trainLimit?: number
  testLimit?: number
}

export function loadDataset(id: string, seed: number, opts: LoadOptions = {}): Dataset {
  if (id.startsWith('ds:')) return loadImported(id, opts.dataDir, { train: opts.trainLimit, test: opts.testLimit })
  const entry = (BUILTINS as Record<string, BuiltinEntry>)[id]
  if (!entry) throw new DatasetError(`unknown dataset '${id}' (built-ins: ${BUILTIN_DATASETS.join(', ')}; imported: ds:<id>)`)
  return entry.load(seed)
}

/** The N×N probe grid over a 2-D dataset's bounds, row-major (y outer, x inner). */
export function gridProbe(bounds: [number, number][], n: number): Float32Array {
  const [[x0, x1], [y0, y1]] = bounds as [[number, number], [number, number]]
  const out = new Float32Array(n * n * 2)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = (i * n + j) * 2
      out[k] = x0 + ((x1 - x0) * j) / (n - 1)
      out[k + 1] = y0 + ((y1 - y0) * i) / (n - 1)
    }
  }
  return out
}
