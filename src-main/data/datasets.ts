/**
 * Dataset registry. Built-ins are generated from a seed (no download); imported folders join
 * this registry in the datasets issue.
 */
import type { DatasetInfo } from '../contract/api'
import type { BuiltinDataset } from './builtin/types'
import { xshape } from './builtin/xshape'

interface BuiltinEntry {
  info: DatasetInfo
  load(seed: number): BuiltinDataset
}

const BUILTINS: Record<string, BuiltinEntry> = {
  'builtin:xshape': {
    info: {
      id: 'builtin:xshape',
      name: 'X-shape (2-D toy)',
      description: '2,000 points in [−5,5]², two classes split by the lines y = ±x (reference FCNet toy)',
      inputShape: [2],
      numClasses: 2,
      trainCount: 1600,
      testCount: 400,
    },
    load: (seed) => xshape(seed),
  },
}

export function listDatasets(): DatasetInfo[] {
  return Object.values(BUILTINS).map((b) => b.info)
}

export class DatasetError extends Error {}

export function loadDataset(id: string, seed: number): BuiltinDataset {
  const entry = BUILTINS[id]
  if (!entry) throw new DatasetError(`unknown dataset '${id}' (built-ins: ${Object.keys(BUILTINS).join(', ')})`)
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
