/** Reductions both Sum.test.ts and Mean.test.ts compare with cpu, and the check they share. */
import * as tf from '@tensorflow/tfjs'
import { expect } from 'vitest'
import { onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

export const TOL = 2e-5

export const size = (s: number[]): number => s.reduce((a, b) => a * b, 1)
/** Terms that mostly cancel, like a BN gradient's: where float32 running sums lose digits. */
export const cancelling = (n: number, seed: number): Float32Array => seededValues(n, seed).map((v, i) => v * 1e-3 + (i % 2 ? 1 : -1))

export interface Reduction {
  shape: number[]
  axis: number | number[] | null
  keepDims?: boolean
}

export const reductions: Reduction[] = [
  { shape: [64, 28, 28, 16], axis: [0, 1, 2] },
  { shape: [64, 14, 14, 32], axis: [0, 1, 2], keepDims: true },
  { shape: [64, 512], axis: 0 },
  { shape: [64, 10], axis: -1 },
  { shape: [64, 10], axis: null },
  { shape: [3, 4, 5, 6], axis: [1, 3] },
  { shape: [3, 4, 5, 6], axis: [0, 2], keepDims: true },
  { shape: [3, 1, 5, 1], axis: [1, 2] },
  { shape: [2, 3, 4], axis: [] },
  { shape: [7], axis: 0 },
  { shape: [], axis: null },
  { shape: [4, 1, 3], axis: 1 },
  { shape: [3, 4097], axis: 1 },
  { shape: [4097, 3], axis: 0 },
  { shape: [5, 0, 3], axis: 1 },
]

export const reductionName = (kernel: string, r: Reduction): string =>
  `${kernel} ${JSON.stringify(r.shape)} axis ${JSON.stringify(r.axis)}${r.keepDims ? ' keepDims' : ''}`

/** Runs `kernel` on wasm and cpu, compares shapes and values; returns the relative error. */
export async function reductionMatchesCpu(kernel: string, r: Reduction, values: Float32Array): Promise<number> {
  const x = { values, shape: r.shape }
  const attrs = { axis: r.axis, keepDims: r.keepDims ?? false }
  const shapeOf = (): number[] =>
    tf.tidy(() => (tf.engine().runKernel(kernel, { x: tf.tensor(x.values, x.shape) }, attrs as tf.NamedAttrMap) as tf.Tensor).shape)
  const wasm = withoutLeaks(() => runKernelValues(kernel, { x }, attrs))
  const cpu = await onCpu(() => runKernelValues(kernel, { x }, attrs))
  expect(shapeOf()).toEqual(await onCpu(shapeOf))
  const err = relErr(wasm, cpu)
  expect(err).toBeLessThanOrEqual(TOL)
  return err
}
