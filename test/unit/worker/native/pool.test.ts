import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NativeAddon } from '../../../../src-main/worker/native'
import { callsOf, initNativeWasm, native, suiteName } from '../../../helpers/native'
import { onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../helpers/wasm'

type Shape4 = [number, number, number, number]

const TOL = 2e-5
const errors: Record<string, number> = {}
let addon: NativeAddon

interface Case {
  name: string
  x: Shape4
  filterSize: number | [number, number]
  strides: number | [number, number]
  pad: 'same' | 'valid' | number
  /** ReLU-like values have ties (all-zero windows) */
  input: (v: Float32Array) => Float32Array
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

const relu = (v: Float32Array): Float32Array => v.map((x) => Math.max(0, x))
const coarse = (v: Float32Array): Float32Array => v.map((x) => Math.round(x * 2) / 2)
const cases: Case[] = [
  { name: '2×2/2 ReLU input (bench cnn)', x: [4, 28, 28, 16], filterSize: 2, strides: 2, pad: 'valid', input: relu },
  { name: '2×2/2 coarse values (ties everywhere), 3 channels', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid', input: coarse },
  { name: '3×3/2 overlapping, ReLU input', x: [2, 9, 9, 4], filterSize: 3, strides: 2, pad: 'valid', input: relu },
  { name: '3×3/1 same, coarse', x: [2, 7, 6, 3], filterSize: 3, strides: 1, pad: 'same', input: coarse },
  { name: '2×2/2 same on odd size', x: [2, 7, 9, 2], filterSize: 2, strides: 2, pad: 'same', input: relu },
  { name: '[3,2] window, strides [1,2]', x: [2, 8, 8, 3], filterSize: [3, 2], strides: [1, 2], pad: 'valid', input: (v) => v },
  { name: 'numeric pad 1, ceil rounding', x: [1, 6, 6, 2], filterSize: 3, strides: 2, pad: 1, input: coarse, dimRoundingMode: 'ceil' },
  { name: '3×3/3 on 10×11 (rows left over)', x: [3, 10, 11, 5], filterSize: 3, strides: 3, pad: 'valid', input: (v) => v },
  { name: 'all zeros', x: [1, 4, 4, 2], filterSize: 2, strides: 2, pad: 'valid', input: (v) => v.map(() => 0) },
]

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)

function outShape(c: Case): Shape4 {
  const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad, c.dimRoundingMode)
  return [c.x[0], info.outHeight, info.outWidth, c.x[3]]
}

const xOf = (c: Case) => c.input(seededValues(size(c.x), 3))
const attrs = (c: Case) => ({ filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode })

/** The pool and the gradient of Σ w·pool(x) through autodiff: MaxPool saves a workspace for MaxPoolGrad. */
function throughAutodiff(c: Case, max: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xOf(c), c.x)
    const w = tf.tensor4d(seededValues(size(outShape(c)), 7), outShape(c))
    const f = (t: tf.Tensor) =>
      max
        ? tf.maxPool(t as tf.Tensor4D, c.filterSize, c.strides, c.pad, c.dimRoundingMode)
        : tf.avgPool(t as tf.Tensor4D, c.filterSize, c.strides, c.pad, c.dimRoundingMode)
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x)
    return [f(x).dataSync() as Float32Array, dx.dataSync() as Float32Array]
  })
}

describe.skipIf(!native.ok)(suiteName('native pooling kernels (oneDNN) vs cpu'), () => {
  beforeAll(async () => {
    addon = await initNativeWasm()
  })
  afterAll(() => {
    addon?.setThreads(2)
    console.log('native pooling max relative errors vs cpu', errors)
  })

  for (const c of cases) {
    for (const threads of [1, 2]) {
      const label = `${c.name}, ${threads} thread${threads > 1 ? 's' : ''}`
      // tfjs's pool gradients drop dimRoundingMode (dy then disagrees with the geometry on every backend).
      const autodiff = c.dimRoundingMode === undefined ? it : it.skip
      autodiff(`MaxPool and its gradient through autodiff (workspace) match cpu: ${label}`, async () => {
        addon.setThreads(threads)
        let got: Float32Array[] = []
        const backward = callsOf('poolBackward', () => {
          expect(callsOf('pool', () => (got = withoutLeaks(() => throughAutodiff(c, true))))).toBe(2)
        })
        const cpu = await onCpu(() => throughAutodiff(c, true))
        errors[`max ${label}`] = Math.max(relErr(got[0]!, cpu[0]!), relErr(got[1]!, cpu[1]!))
        expect(relErr(got[0]!, cpu[0]!)).toBeLessThanOrEqual(TOL)
        expect(relErr(got[1]!, cpu[1]!)).toBeLessThanOrEqual(TOL)
        expect(Array.from(got[1]!, (v) => v === 0)).toEqual(Array.from(cpu[1]!, (v) => v === 0))
        expect(backward).toBe(1)
      })

      it(`MaxPoolGrad without a workspace (the loop) matches cpu: ${label}`, async () => {
        addon.setThreads(threads)
        const y = outShape(c)
        const run = () =>
          runKernelValues(
            tf.MaxPoolGrad,
            {
              dy: { values: seededValues(size(y), 7), shape: y },
              input: { values: xOf(c), shape: c.x },
              output: { values: new Float32Array(size(y)), shape: y },
            },
            attrs(c),
          )
        let got: Float32Array = new Float32Array()
        expect(callsOf('maxPoolGradLoop', () => (got = withoutLeaks(run)))).toBe(1)
        const cpu = await onCpu(run)
        errors[`max loop ${label}`] = relErr(got, cpu)
        expect(errors[`max loop ${label}`]).toBeLessThanOrEqual(TOL)
        expect(Array.from(got, (v) => v === 0)).toEqual(Array.from(cpu, (v) => v === 0))
      })

      autodiff(`AvgPool and its gradient match cpu: ${label}`, async () => {
        addon.setThreads(threads)
        let got: Float32Array[] = []
        const backward = callsOf('poolBackward', () => {
          expect(callsOf('pool', () => (got = withoutLeaks(() => throughAutodiff(c, false))))).toBe(2)
        })
        expect(backward).toBe(1)
        const cpu = await onCpu(() => throughAutodiff(c, false))
        errors[`avg ${label}`] = Math.max(relErr(got[0]!, cpu[0]!), relErr(got[1]!, cpu[1]!))
        expect(relErr(got[0]!, cpu[0]!)).toBeLessThanOrEqual(TOL)
        expect(relErr(got[1]!, cpu[1]!)).toBeLessThanOrEqual(TOL)
      })
    }
  }

  it('routes a tie to the first maximum in row-major window order, through autodiff like cpu', async () => {
    // One 2×2 window [[1, 5], [5, 2]] and one of equal values [[0, 0], [0, 0]].
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d([1, 5, 0, 0, 5, 2, 0, 0], [1, 2, 4, 1])
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d([10, 20], [1, 1, 2, 1]))))(x)
        return Array.from(g.dataSync())
      })
    expect(run()).toEqual([0, 10, 20, 0, 0, 0, 0, 0])
    expect(await onCpu(run)).toEqual(run())
  })

  it('passes nothing from a window without a value above −∞ (all −∞ or NaN), like cpu', async () => {
    const x = [-Infinity, -Infinity, NaN, 3, -Infinity, -Infinity, NaN, NaN]
    const run = () =>
      tf.tidy(() => {
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d([1, 2], [1, 1, 2, 1]))))(
          tf.tensor4d(x, [1, 2, 4, 1]),
        )
        return Array.from(g.dataSync())
      })
    let got: number[] = []
    expect(callsOf('maxPoolGradLoop', () => (got = run()))).toBe(1)
    expect(got).toEqual([0, 0, 0, 2, 0, 0, 0, 0])
    expect(await onCpu(run)).toEqual(got)
  })

  it('ignores NaN inside a window going forward and backward (the workspace path), like cpu', async () => {
    const x = [NaN, 1, 2, 3, 5, NaN, NaN, NaN, -Infinity, NaN, 1, 1, 1, 1, 1, 1]
    const run = (): number[][] =>
      tf.tidy(() => {
        const t = tf.tensor4d(x, [1, 4, 4, 1])
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(t)
        return [Array.from(tf.maxPool(t, 2, 2, 'valid').dataSync()), Array.from(g.dataSync())]
      })
    let got: number[][] = []
    expect(callsOf('poolBackward', () => (got = run()))).toBe(1)
    expect(got).toEqual(await onCpu(run))
  })
})
