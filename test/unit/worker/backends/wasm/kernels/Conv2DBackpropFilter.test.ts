import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend } from '../../../../../helpers/wasm'
import { relErr } from '../../../../../helpers/tolerance'

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding
type Shape4 = [number, number, number, number]

/** Seeded uniform values in [-1, 1), so failures reproduce. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

const TOL = 1e-4
const maxErrors: Record<string, number> = {}

function wasmDataIds(): number {
  return (tf.engine().findBackend('wasm') as unknown as BackendWasm).numDataIds()
}

/** Runs `fn` on the wasm backend and asserts it leaves no tensor, engine byte or raw wasm
 * buffer behind (the kernel allocates untracked scratch buffers, which only numDataIds sees). */
function noLeaks<T>(fn: () => T): T {
  expect(tf.getBackend()).toBe('wasm')
  const before = { ...tf.memory(), ids: wasmDataIds() }
  const out = fn()
  const after = { ...tf.memory(), ids: wasmDataIds() }
  expect(after.numTensors).toBe(before.numTensors)
  expect(after.numBytes).toBe(before.numBytes)
  expect(after.ids).toBe(before.ids)
  return out
}

async function onCpu<T>(fn: () => T): Promise<T> {
  await tf.setBackend('cpu')
  try {
    return fn()
  } finally {
    await tf.setBackend('wasm')
  }
}

interface GradCase {
  name: string
  x: Shape4
  filter: Shape4
  strides: number | [number, number]
  pad: Pad
  /** also differentiate w.r.t. x, as training does */
  both?: boolean
}

/** d/dW (and d/dx) of sum(conv2d(x, W) * r) through tfjs autodiff on the current backend. */
function convGrads(c: GradCase, xv: Float32Array, wv: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x)
    const w = tf.tensor4d(wv, c.filter)
    const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad)
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 99), y.shape)))
    }
    const grads = c.both ? tf.grads(f)([x, w]) : [tf.grad((ww: tf.Tensor) => f(x, ww))(w)]
    return grads.map((g) => g.dataSync() as Float32Array).reverse()
  })
}

/** Float64 reference with the same geometry, for what the cpu kernel cannot do (dilations). */
function referenceDw(
  xv: Float32Array,
  dyv: Float32Array,
  x: Shape4,
  filter: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dilations: number | [number, number],
): Float64Array {
  const ci = tf.backend_util.computeConv2DInfo(x, filter, strides, dilations, pad, undefined, false, 'channelsLast')
  const out = new Float64Array(filter.reduce((a, b) => a * b))
  const { inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = ci
  for (let kh = 0; kh < ci.filterHeight; kh++)
    for (let kw = 0; kw < ci.filterWidth; kw++)
      for (let n = 0; n < ci.batchSize; n++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const ih = oh * ci.strideHeight - ci.padInfo.top + kh * ci.dilationHeight
            const iw = ow * ci.strideWidth - ci.padInfo.left + kw * ci.dilationWidth
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue
            for (let c = 0; c < CI; c++) {
              const xval = xv[((n * H + ih) * W + iw) * CI + c]!
              const o = ((kh * ci.filterWidth + kw) * CI + c) * CO
              const d = ((n * OH + oh) * OW + ow) * CO
              for (let co = 0; co < CO; co++) out[o + co] += xval * dyv[d + co]!
            }
          }
  return out
}

function runBackpropFilter(xv: Float32Array, dyv: Float32Array, x: Shape4, dy: Shape4, attrs: Record<string, unknown>): Float32Array {
  return tf.tidy(() => {
    const inputs = { x: tf.tensor4d(xv, x), dy: tf.tensor4d(dyv, dy) }
    const out = tf.engine().runKernel(tf.Conv2DBackpropFilter, inputs, attrs as tf.NamedAttrMap) as tf.Tensor
    return out.dataSync() as Float32Array
  })
}

let stockHadKernel = false
let firstRegistration: string[] = []

beforeAll(async () => {
  await initWasmBackend()
  stockHadKernel = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined
  firstRegistration = registerWasmKernels()
})

describe('wasm Conv2DBackpropFilter', () => {
  it('runs on the real wasm backend and registers idempotently', async () => {
    expect(tf.getBackend()).toBe('wasm')
    expect(firstRegistration.includes('Conv2DBackpropFilter')).toBe(!stockHadKernel)
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined()
    expect(registerWasmKernels()).toEqual([])
    vi.resetModules()
    const again = await import('../../../../../../src-main/worker/backends/wasm/kernels/registry')
    expect(again.registerWasmKernels()).toEqual([])
  })

  const cases: GradCase[] = [
    { name: 'batch 1, 5x5x1, 3x3 same', x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'same' },
    { name: 'odd 7x9, 3x3 valid', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
    { name: 'stride 2, 3x3 same', x: [3, 8, 8, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same', both: true },
    { name: 'stride 2, odd 9x7, 3x3 same', x: [2, 9, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
    { name: 'stride 2, 5x5 valid', x: [2, 11, 9, 3], filter: [5, 5, 3, 4], strides: 2, pad: 'valid' },
    { name: '1x1 same', x: [4, 6, 6, 8], filter: [1, 1, 8, 16], strides: 1, pad: 'same' },
    { name: '1x1 stride 2 valid', x: [2, 7, 7, 3], filter: [1, 1, 3, 2], strides: 2, pad: 'valid' },
    { name: '5x5 same', x: [2, 10, 10, 3], filter: [5, 5, 3, 6], strides: 1, pad: 'same', both: true },
    { name: 'numeric pad 1, stride 2', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
    {
      name: 'explicit asymmetric pad, strides [2,1], 5x3',
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
    { name: 'stride 3 > kernel 2 (skipped pixels)', x: [2, 10, 11, 2], filter: [2, 2, 2, 3], strides: 3, pad: 'valid' },
    { name: 'larger, 3x3 same', x: [6, 14, 14, 8], filter: [3, 3, 8, 16], strides: 1, pad: 'same', both: true },
    // Stride 1 with output size = input size takes the block-copy im2col path.
    { name: '2x2 same (pad only after)', x: [2, 7, 6, 3], filter: [2, 2, 3, 4], strides: 1, pad: 'same', both: true },
    { name: '4x4 same on 9x8', x: [2, 9, 8, 5], filter: [4, 4, 5, 3], strides: 1, pad: 'same' },
    {
      name: 'explicit pad keeping the size, all on one side',
      x: [3, 6, 7, 2],
      filter: [3, 3, 2, 3],
      strides: 1,
      pad: [
        [0, 0],
        [2, 0],
        [0, 2],
        [0, 0],
      ],
    },
    { name: '1 row, 3x3 same', x: [2, 1, 9, 2], filter: [3, 3, 2, 2], strides: 1, pad: 'same' },
  ]

  for (const c of cases) {
    it(`matches cpu through autodiff: ${c.name}`, async () => {
      const xv = values(
        c.x.reduce((a, b) => a * b),
        1,
      )
      const wv = values(
        c.filter.reduce((a, b) => a * b),
        2,
      )
      const wasm = noLeaks(() => convGrads(c, xv, wv))
      const cpu = await onCpu(() => convGrads(c, xv, wv))
      const err = relErr(wasm[0]!, cpu[0]!)
      maxErrors[c.name] = err
      expect(err).toBeLessThanOrEqual(TOL)
      if (c.both) expect(relErr(wasm[1]!, cpu[1]!)).toBeLessThanOrEqual(TOL)
    })
  }

  it('supports dilations (cpu ignores them, so compare with a float64 reference)', () => {
    const x: Shape4 = [2, 9, 10, 3]
    const filter: Shape4 = [3, 3, 3, 4]
    const xv = values(2 * 9 * 10 * 3, 5)
    // Guard the reference itself on a case the cpu-checked tests cover.
    for (const [strides, pad, dilations] of [
      [1, 'same', 1],
      [1, 'same', 2],
      [1, 'valid', 2],
      [2, 'same', 2],
      [[1, 2], 'valid', [2, 1]],
    ] as const) {
      const info = tf.backend_util.computeConv2DInfo(x, filter, strides as number, dilations as number, pad)
      const dyShape: Shape4 = [2, info.outHeight, info.outWidth, 4]
      const dyv = values(
        dyShape.reduce((a, b) => a * b),
        6,
      )
      const got = noLeaks(() => runBackpropFilter(xv, dyv, x, dyShape, { strides, pad, dataFormat: 'NHWC', filterShape: filter, dilations }))
      const err = relErr(got, referenceDw(xv, dyv, x, filter, strides as number, pad, dilations as number))
      maxErrors[`dilation ${dilations} stride ${strides} ${pad}`] = err
      expect(err).toBeLessThanOrEqual(TOL)
    }
  })

  it('honours dimRoundingMode like the cpu kernel', async () => {
    const x: Shape4 = [1, 6, 6, 2]
    const filter: Shape4 = [3, 3, 2, 3]
    const xv = values(72, 7)
    for (const mode of ['floor', 'round', 'ceil'] as const) {
      const out = mode === 'floor' ? 3 : 4
      const dyShape: Shape4 = [1, out, out, 3]
      const dyv = values(out * out * 3, 8)
      const attrs = { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: filter, dimRoundingMode: mode }
      const wasm = noLeaks(() => runBackpropFilter(xv, dyv, x, dyShape, attrs))
      const cpu = await onCpu(() => runBackpropFilter(xv, dyv, x, dyShape, attrs))
      expect(relErr(wasm, cpu)).toBeLessThanOrEqual(TOL)
    }
  })

  it('splits a large batch into chunks without changing the result', () => {
    // colsT needs 5*5*64 * 64*64 ≈ 6.6M floats per image, so 3 images exceed the kernel's 2^24
    // cap and run as chunks of 2 + 1 whose partial dW are summed.
    const x: Shape4 = [3, 64, 64, 64]
    const filter: Shape4 = [5, 5, 64, 2]
    const dyShape: Shape4 = [3, 64, 64, 2]
    const xv = values(3 * 64 * 64 * 64, 9)
    const dyv = values(3 * 64 * 64 * 2, 10)
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: filter }
    const got = noLeaks(() => runBackpropFilter(xv, dyv, x, dyShape, attrs))
    const err = relErr(got, referenceDw(xv, dyv, x, filter, 1, 'same', 1))
    maxErrors['chunked batch'] = err
    expect(err).toBeLessThanOrEqual(TOL)
  })

  it('rejects what it does not implement with a clear error', () => {
    const attrs = { strides: 1, pad: 'valid', filterShape: [3, 3, 2, 2] }
    const call = (xs: Shape4, dys: Shape4, extra: Record<string, unknown>) => () =>
      tf.tidy(() => {
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.zeros(xs), dy: tf.zeros(dys) }, {
          ...attrs,
          ...extra,
        } as tf.NamedAttrMap)
      })
    expect(call([1, 2, 5, 5], [1, 2, 3, 3], { dataFormat: 'NCHW' })).toThrow(/only NHWC/)
    expect(call([1, 5, 5, 2], [1, 4, 4, 2], { dataFormat: 'NHWC' })).toThrow(/does not match the conv output/)
  })

  it('trains a tiny conv net for 3 SGD steps to the same weights as cpu', async () => {
    const xv = values(4 * 8 * 8 * 2, 11)
    const targetv = values(4 * 3 * 3 * 3, 12)
    const init = [values(3 * 3 * 2 * 4, 13), values(4, 14), values(3 * 3 * 4 * 3, 15)]
    const train = (): Float32Array[] => {
      // tf.variable keeps its initial tensor alive, so build them inside a tidy.
      const [w1, b1, w2] = tf.tidy(() => [
        tf.variable(tf.tensor4d(init[0]!, [3, 3, 2, 4])),
        tf.variable(tf.tensor1d(init[1]!)),
        tf.variable(tf.tensor4d(init[2]!, [3, 3, 4, 3])),
      ])
      const x = tf.tensor4d(xv, [4, 8, 8, 2])
      const target = tf.tensor4d(targetv, [4, 3, 3, 3])
      const opt = tf.train.sgd(0.1)
      for (let step = 0; step < 3; step++) {
        opt.minimize(
          () => {
            const h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D
            const y = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'valid')
            return tf.mean(tf.square(tf.sub(y, target)))
          },
          false,
          [w1, w2, b1],
        )
      }
      const out = [w1, b1, w2].map((v) => v.dataSync() as Float32Array)
      tf.dispose([w1, b1, w2, x, target])
      opt.dispose()
      return out
    }
    const wasm = noLeaks(train)
    const cpu = await onCpu(train)
    wasm.forEach((w, i) => {
      expect(relErr(w, init[i]!)).toBeGreaterThan(1e-3)
      const err = relErr(w, cpu[i]!)
      maxErrors[`train weight ${i}`] = err
      expect(err).toBeLessThanOrEqual(TOL)
    })
  })
})

afterAll(() => {
  console.log('max relative errors', maxErrors)
})
