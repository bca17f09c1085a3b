import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

type Shape4 = [number, number, number, number]
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding

const TOL = 2e-5
const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('Conv2DBackpropInput max relative errors vs cpu', errors))

interface Case {
  name: string
  x: Shape4
  filter: Shape4
  strides: number | [number, number]
  pad: Pad
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

const cases: Case[] = [
  { name: 'bench cnn conv2: 3×3 same', x: [8, 14, 14, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { name: '3×3 valid, odd 7×9', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: '5×5 same', x: [2, 10, 10, 3], filter: [5, 5, 3, 6], strides: 1, pad: 'same' },
  { name: '1×1', x: [3, 6, 6, 8], filter: [1, 1, 8, 4], strides: 1, pad: 'valid' },
  { name: 'stride 2, 3×3 same', x: [3, 8, 8, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { name: 'stride 2, odd 9×7 same', x: [2, 9, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { name: 'stride 2, 5×5 valid', x: [2, 11, 9, 3], filter: [5, 5, 3, 4], strides: 2, pad: 'valid' },
  { name: 'stride 3 > kernel 2 (skipped pixels)', x: [2, 10, 11, 2], filter: [2, 2, 2, 3], strides: 3, pad: 'valid' },
  {
    name: 'strides [2,1], asymmetric explicit pad',
    x: [2, 11, 10, 3],
    filter: [5, 3, 3, 4],
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { name: 'numeric pad 1, stride 2', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
  {
    name: 'pad wider than the kernel (stock fallback)',
    x: [1, 5, 5, 2],
    filter: [2, 2, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [3, 3],
      [3, 3],
      [0, 0],
    ],
  },
  { name: 'dimRoundingMode ceil', x: [1, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'ceil' },
  { name: 'dimRoundingMode round', x: [1, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'round' },
]

function run(c: Case): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, c.dimRoundingMode)
  const dy: Shape4 = [c.x[0], info.outHeight, info.outWidth, c.filter[3]]
  return runKernelValues(
    tf.Conv2DBackpropInput,
    {
      dy: {
        values: seededValues(
          dy.reduce((a, b) => a * b),
          1,
        ),
        shape: dy,
      },
      filter: {
        values: seededValues(
          c.filter.reduce((a, b) => a * b),
          2,
        ),
        shape: c.filter,
      },
    },
    { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: c.x },
  )
}

describe('wasm Conv2DBackpropInput override', () => {
  for (const c of cases) {
    it(`matches cpu: ${c.name}`, async () => {
      const wasm = withoutLeaks(() => run(c))
      const cpu = await onCpu(() => run(c))
      errors[c.name] = relErr(wasm, cpu)
      expect(errors[c.name]).toBeLessThanOrEqual(TOL)
    })
  }

  it('matches cpu through autodiff of a two-conv net (dx of the second conv feeds the first dW)', async () => {
    const xv = seededValues(4 * 12 * 12 * 3, 3)
    const w1 = seededValues(3 * 3 * 3 * 8, 4)
    const w2 = seededValues(3 * 3 * 8 * 6, 5)
    const grads = (): Float32Array[] =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
          const h = tf.relu(tf.conv2d(tf.tensor4d(xv, [4, 12, 12, 3]), a as tf.Tensor4D, 1, 'same'))
          const y = tf.conv2d(h, b as tf.Tensor4D, 2, 'same')
          return tf.sum(tf.square(y))
        }
        return tf
          .grads(f)([tf.tensor4d(w1, [3, 3, 3, 8]), tf.tensor4d(w2, [3, 3, 8, 6])])
          .map((g) => g.dataSync() as Float32Array)
      })
    const wasm = withoutLeaks(grads)
    const cpu = await onCpu(grads)
    errors['autodiff w1'] = relErr(wasm[0]!, cpu[0]!)
    errors['autodiff w2'] = relErr(wasm[1]!, cpu[1]!)
    expect(errors['autodiff w1']).toBeLessThanOrEqual(TOL)
    expect(errors['autodiff w2']).toBeLessThanOrEqual(TOL)
  })

  it('rejects NCHW and a dy that does not fit the geometry', () => {
    const attrs = { strides: 1, pad: 'valid', inputShape: [1, 5, 5, 2] }
    const call = (dy: Shape4, extra: Record<string, unknown>) => () =>
      tf.tidy(() => {
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tf.zeros(dy), filter: tf.zeros([3, 3, 2, 2]) }, { ...attrs, ...extra } as tf.NamedAttrMap)
      })
    expect(call([1, 3, 3, 2], { dataFormat: 'NCHW' })).toThrow(/only NHWC/)
    expect(call([1, 4, 4, 2], { dataFormat: 'NHWC' })).toThrow(/does not match the conv output/)
  })
})
