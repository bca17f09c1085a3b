/**
 * 2-D and 1-D toy datasets beside the X-shape, generated from a seed (no download):
 * two spirals, a 64-Gaussian mixture on an 8×8 grid (the paper's k-means toy, Fig. 5, one class
 * per component) and a 1-D sawtooth with two peaks for regression (Fig. 6). Random 80/20 split.
 */
import { createRng, permutation, type Rng } from '../../core/random'
import type { ClassificationDataset, RegressionDataset } from './types'

/** The seeded 80/20 split every toy uses: rows of x (dims values each) and their targets. */
function split<T extends Int32Array | Float32Array>(rng: Rng, x: Float32Array, y: T, dims: number) {
  const count = y.length
  const order = permutation(count, rng)
  const nTrain = Math.round(count * 0.8)
  const rows = (from: number, to: number) => {
    const out = new Float32Array((to - from) * dims)
    for (let i = from; i < to; i++) out.set(x.subarray(order[i]! * dims, (order[i]! + 1) * dims), (i - from) * dims)
    return out
  }
  const pick = (from: number, to: number): T => {
    const out = y.slice(0, to - from) as T
    for (let i = from; i < to; i++) out[i - from] = y[order[i]!]!
    return out
  }
  return { xTrain: rows(0, nTrain), yTrain: pick(0, nTrain), xTest: rows(nTrain, count), yTest: pick(nTrain, count) }
}

/** Two interleaved spirals of 1,000 points each, 1.5 turns, radius 0.2…5 with a little noise. */
export function spirals(seed: number, perClass = 1000): ClassificationDataset {
  const rng = createRng(seed)
  const count = perClass * 2
  const x = new Float32Array(count * 2)
  const y = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const cls = i % 2
    const t = rng.next()
    const r = 0.2 + 4.8 * t
    const angle = t * 3 * Math.PI + cls * Math.PI
    x[2 * i] = r * Math.cos(angle) + 0.15 * rng.normal()
    x[2 * i + 1] = r * Math.sin(angle) + 0.15 * rng.normal()
    y[i] = cls
  }
  return {
    id: 'builtin:spirals',
    task: 'classification',
    ...split(rng, x, y, 2),
    inputShape: [2],
    numClasses: 2,
    classNames: ['spiral A', 'spiral B'],
    bounds: [
      [-6, 6],
      [-6, 6],
    ],
  }
}

/** 64 isotropic Gaussians (σ = 0.12) centred on an 8×8 grid with unit spacing; class = component. */
export function gaussians(seed: number, perComponent = 50): ClassificationDataset {
  const rng = createRng(seed)
  const count = 64 * perComponent
  const x = new Float32Array(count * 2)
  const y = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const k = i % 64
    x[2 * i] = (k % 8) - 3.5 + 0.12 * rng.normal()
    x[2 * i + 1] = Math.floor(k / 8) - 3.5 + 0.12 * rng.normal()
    y[i] = k
  }
  return {
    id: 'builtin:gaussians',
    task: 'classification',
    ...split(rng, x, y, 2),
    inputShape: [2],
    numClasses: 64,
    classNames: Array.from({ length: 64 }, (_, k) => `(${k % 8}, ${Math.floor(k / 8)})`),
    bounds: [
      [-4.5, 4.5],
      [-4.5, 4.5],
    ],
  }
}

/** The sawtooth target: rises linearly from 0 to 1 on [0, 1) and again on [1, 2) — two peaks. */
export const sawtoothTarget = (x: number): number => x - Math.floor(x)

/** 1,000 points x ~ U[0, 2), y = sawtooth(x) + N(0, 0.01²). */
export function sawtooth(seed: number, count = 1000): RegressionDataset {
  const rng = createRng(seed)
  const x = new Float32Array(count)
  const y = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    x[i] = 2 * rng.next()
    y[i] = sawtoothTarget(x[i]!) + 0.01 * rng.normal()
  }
  return {
    id: 'builtin:sawtooth',
    task: 'regression',
    ...split(rng, x, y, 1),
    inputShape: [1],
    numClasses: 1,
    classNames: [],
    bounds: [[0, 2]],
  }
}
