import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NativeAddon } from '../../../../src-main/worker/native'
import { callsOf, initNativeWasm, native, suiteName } from '../../../helpers/native'
import { onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../helpers/wasm'

type Shape4 = [number, number, number, number]
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding

const TOL = 2e-5
const errors: Record<string, number> = {}
let addon: NativeAddon

interface Case {
  name: string
  x: Shape4
  filter: Shape4
  strides: number | [number, number]
  pad: Pad
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  dilations?: number | [number, number]
}

const explicit = (t: number, b: number, l: number, r: number): tf.backend_util.ExplicitPadding => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
]

const cases: Case[] = [
  { name: 'bench cnn conv1: 1 input channel, 3×3 same', x: [8, 28, 28, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { name: 'bench cnn conv2: 3×3 same', x: [8, 14, 14, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { name: 'vgg-style explicit pad 1, 3 channels', x: [4, 16, 16, 3], filter: [3, 3, 3, 16], strides: 1, pad: explicit(1, 1, 1, 1) },
  { name: '3×3 valid, odd 7×9', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: '5×5 same', x: [2, 10, 10, 3], filter: [5, 5, 3, 6], strides: 1, pad: 'same' },
  { name: '1×1', x: [3, 6, 6, 8], filter: [1, 1, 8, 4], strides: 1, pad: 'valid' },
  { name: 'stride 2, 3×3 same', x: [3, 8, 8, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { name: 'stride 2, odd 9×7 same', x: [2, 9, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { name: 'stride 2, 5×5 valid', x: [2, 11, 9, 3], filter: [5, 5, 3, 4], strides: 2, pad: 'valid' },
  { name: 'stride 3 > kernel 2 (skipped pixels)', x: [2, 10, 11, 2], filter: [2, 2, 2, 3], strides: 3, pad: 'valid' },
  { name: 'strides [2,1], asymmetric explicit pad', x: [2, 11, 10, 3], filter: [5, 3, 3, 4], strides: [2, 1], pad: explicit(1, 2, 2, 0) },
  { name: 'numeric pad 1, stride 2', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
  { name: 'pad wider than the kernel', x: [1, 5, 5, 2], filter: [2, 2, 2, 3], strides: 1, pad: explicit(3, 3, 3, 3) },
  { name: 'dimRoundingMode ceil', x: [1, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'ceil' },
  { name: 'dimRoundingMode round', x: [1, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'round' },
  { name: 'dilation 2 (forward only)', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 2 },
]

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)
const values = (shape: readonly number[], seed: number) => ({ values: seededValues(size(shape), seed), shape: [...shape] })

function geometry(c: Case) {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad, c.dimRoundingMode)
  return { dy: [c.x[0], info.outHeight, info.outWidth, c.filter[3]] as Shape4 }
}

const attrs = (c: Case) => ({ strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode })

const KERNELS = {
  [tf.Conv2D]: {
    fn: 'conv2d',
    run: (c: Case) => runKernelValues(tf.Conv2D, { x: values(c.x, 1), filter: values(c.filter, 2) }, { ...attrs(c), dilations: c.dilations ?? 1 }),
  },
  [tf.Conv2DBackpropInput]: {
    fn: 'conv2dBackwardData',
    run: (c: Case) => runKernelValues(tf.Conv2DBackpropInput, { dy: values(geometry(c).dy, 3), filter: values(c.filter, 2) }, { ...attrs(c), inputShape: c.x }),
  },
  [tf.Conv2DBackpropFilter]: {
    fn: 'conv2dBackwardWeights',
    run: (c: Case) => runKernelValues(tf.Conv2DBackpropFilter, { x: values(c.x, 1), dy: values(geometry(c).dy, 3) }, { ...attrs(c), filterShape: c.filter }),
  },
}

describe.skipIf(!native.ok)(suiteName('native conv kernels (oneDNN) vs cpu'), () => {
  beforeAll(async () => {
    addon = await initNativeWasm()
  })
  afterAll(() => {
    addon?.setThreads(2)
    console.log('native conv max relative errors vs cpu', errors)
  })

  for (const [kernel, { fn, run }] of Object.entries(KERNELS)) {
    for (const c of cases) {
      if (c.dilations !== undefined && kernel !== tf.Conv2D) continue // tfjs has no dilated conv gradients
      for (const threads of [1, 2]) {
        it(`${kernel} matches cpu: ${c.name}, ${threads} thread${threads > 1 ? 's' : ''}`, async () => {
          addon.setThreads(threads)
          let got: Float32Array = new Float32Array()
          expect(callsOf(fn, () => (got = withoutLeaks(() => run(c))))).toBe(1)
          const cpu = await onCpu(() => run(c))
          const key = `${kernel} ${c.name} ×${threads}`
          errors[key] = relErr(got, cpu)
          expect(errors[key]).toBeLessThanOrEqual(TOL)
        })
      }
    }
  }

  it('matches cpu through autodiff of a two-conv net (every conv kernel native)', async () => {
    const xv = seededValues(4 * 12 * 12 * 3, 3)
    const w1 = seededValues(3 * 3 * 3 * 8, 4)
    const w2 = seededValues(3 * 3 * 8 * 6, 5)
    const grads = (): Float32Array[] =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
          const h = tf.relu(tf.conv2d(tf.tensor4d(xv, [4, 12, 12, 3]), a as tf.Tensor4D, 1, 'same'))
          return tf.sum(tf.square(tf.conv2d(h, b as tf.Tensor4D, 2, 'same')))
        }
        return tf
          .grads(f)([tf.tensor4d(w1, [3, 3, 3, 8]), tf.tensor4d(w2, [3, 3, 8, 6])])
          .map((g) => g.dataSync() as Float32Array)
      })
    let got: Float32Array[] = []
    const n = callsOf('conv2dBackwardData', () => {
      expect(callsOf('conv2dBackwardWeights', () => (got = withoutLeaks(grads)))).toBe(2)
    })
    expect(n).toBe(1)
    const cpu = await onCpu(grads)
    for (const i of [0, 1]) expect(relErr(got[i]!, cpu[i]!)).toBeLessThanOrEqual(TOL)
  })

  it('leaves NCHW and int32 to the kernel registered before it', () => {
    const nchw = () =>
      runKernelValues(tf.Conv2D, { x: values([1, 2, 5, 5], 1), filter: values([3, 3, 2, 2], 2) }, { strides: 1, pad: 'valid', dataFormat: 'NCHW' })
    expect(callsOf('conv2d', () => expect(nchw).toThrow())).toBe(0)
  })
})
