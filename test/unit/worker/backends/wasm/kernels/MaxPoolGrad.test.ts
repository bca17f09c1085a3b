import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { setSimdEnabled } from '../../../../../../src-main/worker/backends/wasm/kernels/simd'
import { initWasmBackend, onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

type Shape4 = [number, number, number, number]

const TOL = 2e-5
const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('MaxPoolGrad max relative errors vs cpu', errors))

interface Case {
  name: string
  x: Shape4
  filterSize: number | [number, number]
  strides: number | [number, number]
  pad: 'same' | 'valid' | number
  /** how to make the input: ReLU-like values have ties (all-zero windows) */
  input: (v: Float32Array) => Float32Array
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

const relu = (v: Float32Array): Float32Array => v.map((x) => Math.max(0, x))
const coarse = (v: Float32Array): Float32Array => v.map((x) => Math.round(x * 2) / 2) // many ties
const cases: Case[] = [
  { name: '2×2/2 ReLU input (bench cnn)', x: [4, 28, 28, 16], filterSize: 2, strides: 2, pad: 'valid', input: relu },
  { name: '2×2/2 coarse values (ties everywhere)', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid', input: coarse },
  { name: '3×3/2 overlapping, ReLU input', x: [2, 9, 9, 4], filterSize: 3, strides: 2, pad: 'valid', input: relu },
  { name: '3×3/1 same, coarse', x: [2, 7, 6, 3], filterSize: 3, strides: 1, pad: 'same', input: coarse },
  { name: '2×2/2 same on odd size', x: [2, 7, 9, 2], filterSize: 2, strides: 2, pad: 'same', input: relu },
  { name: '[3,2] window, strides [1,2]', x: [2, 8, 8, 3], filterSize: [3, 2], strides: [1, 2], pad: 'valid', input: (v) => v },
  { name: 'numeric pad 1, ceil rounding', x: [1, 6, 6, 2], filterSize: 3, strides: 2, pad: 1, input: coarse, dimRoundingMode: 'ceil' },
  { name: 'all zeros', x: [1, 4, 4, 2], filterSize: 2, strides: 2, pad: 'valid', input: (v) => v.map(() => 0) },
  // Channels in fours: the SIMD path, with ties, zeros, −∞ and NaN mixed into its windows.
  { name: '2×2/2 coarse, 8 channels', x: [2, 8, 8, 8], filterSize: 2, strides: 2, pad: 'valid', input: coarse },
  {
    name: '2×2/2 ties, −∞ and NaN, 4 channels',
    x: [3, 6, 4, 4],
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    input: (v) => v.map((x) => [0, 1, 1, -Infinity, NaN, 0.5][Math.floor((x + 1) * 3)]!),
  },
]

function run(c: Case, xv: Float32Array): Float32Array {
  const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad, c.dimRoundingMode)
  const y: Shape4 = [c.x[0], info.outHeight, info.outWidth, c.x[3]]
  const n = y.reduce((a, b) => a * b)
  return runKernelValues(
    tf.MaxPoolGrad,
    {
      dy: { values: seededValues(n, 7), shape: y },
      input: { values: xv, shape: c.x },
      output: { values: new Float32Array(n), shape: y },
    },
    { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode },
  )
}

describe('wasm MaxPoolGrad override', () => {
  for (const c of cases) {
    for (const simd of [true, false]) {
      it(`matches cpu: ${c.name}${simd ? '' : ' (JavaScript path)'}`, async () => {
        const xv = c.input(
          seededValues(
            c.x.reduce((a, b) => a * b),
            3,
          ),
        )
        setSimdEnabled(simd)
        try {
          const wasm = withoutLeaks(() => run(c, xv))
          const cpu = await onCpu(() => run(c, xv))
          errors[`${c.name}${simd ? '' : ' js'}`] = relErr(wasm, cpu)
          expect(errors[`${c.name}${simd ? '' : ' js'}`]).toBeLessThanOrEqual(TOL)
          // relErr skips cpu's non-finite entries; a dx is never NaN in either, so compare zeros too.
          expect(Array.from(wasm, (v) => v === 0)).toEqual(Array.from(cpu, (v) => v === 0))
        } finally {
          setSimdEnabled(true)
        }
      })
    }
  }

  it('routes a tie to the first maximum in row-major window order, like cpu and PyTorch', () => {
    // One 2×2 window [[1, 5], [5, 2]] and one of equal values [[0, 0], [0, 0]].
    const x = Float32Array.from([1, 5, 0, 0, 5, 2, 0, 0])
    const got = runKernelValues(
      tf.MaxPoolGrad,
      {
        dy: { values: Float32Array.from([10, 20]), shape: [1, 1, 2, 1] },
        input: { values: x, shape: [1, 2, 4, 1] },
        output: { values: new Float32Array(2), shape: [1, 1, 2, 1] },
      },
      { filterSize: 2, strides: 2, pad: 'valid' },
    )
    expect(Array.from(got)).toEqual([0, 10, 20, 0, 0, 0, 0, 0])
  })

  it('passes nothing from a window with no finite maximum (−∞ or NaN), like cpu', async () => {
    const x = Float32Array.from([-Infinity, -Infinity, NaN, 3, -Infinity, -Infinity, NaN, NaN])
    const inputs = {
      dy: { values: Float32Array.from([1, 2]), shape: [1, 1, 2, 1] },
      input: { values: x, shape: [1, 2, 4, 1] },
      output: { values: new Float32Array(2), shape: [1, 1, 2, 1] },
    }
    const run = (): Float32Array => runKernelValues(tf.MaxPoolGrad, inputs, { filterSize: 2, strides: 2, pad: 'valid' })
    const wasm = run()
    expect(Array.from(wasm)).toEqual([0, 0, 0, 2, 0, 0, 0, 0])
    expect(Array.from(await onCpu(run))).toEqual(Array.from(wasm))
  })

  it('matches cpu through autodiff of conv → relu → maxPool', async () => {
    const xv = seededValues(4 * 10 * 10 * 2, 8)
    const wv = seededValues(3 * 3 * 2 * 4, 9)
    const grad = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, [4, 10, 10, 2])
        const g = tf.grad((w: tf.Tensor) => tf.sum(tf.maxPool(tf.relu(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')), 2, 2, 'valid')))
        return g(tf.tensor4d(wv, [3, 3, 2, 4])).dataSync() as Float32Array
      })
    const wasm = withoutLeaks(grad)
    errors.autodiff = relErr(wasm, await onCpu(grad))
    expect(errors.autodiff).toBeLessThanOrEqual(TOL)
  })
})
