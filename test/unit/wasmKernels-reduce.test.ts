import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels, unregisterWasmKernels } from '../../src-main/worker/kernels'
import { initWasmBackend, onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../helpers/wasm'

const TOL = 2e-5
const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('Sum/Mean/Tile max relative errors vs cpu', errors))

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1)
/** Terms that mostly cancel, like a BN gradient's: where float32 running sums lose digits. */
const cancelling = (n: number, seed: number): Float32Array => seededValues(n, seed).map((v, i) => v * 1e-3 + (i % 2 ? 1 : -1))

const reductions: { shape: number[]; axis: number | number[] | null; keepDims?: boolean }[] = [
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

describe('wasm Sum / Mean overrides (float64 accumulation)', () => {
  for (const kernel of [tf.Sum, tf.Mean]) {
    for (const r of reductions) {
      const name = `${kernel} ${JSON.stringify(r.shape)} axis ${JSON.stringify(r.axis)}${r.keepDims ? ' keepDims' : ''}`
      it(`matches cpu: ${name}`, async () => {
        // cpu's Mean rounds every x/n to float32 before summing, so on cancelling terms cpu itself
        // is off by more than our tolerance; Mean gets plain values here and a float64 check below.
        const n = size(r.shape)
        const x = { values: kernel === tf.Sum ? cancelling(n, 1) : seededValues(n, 1), shape: r.shape }
        const attrs = { axis: r.axis, keepDims: r.keepDims ?? false }
        const shapeOf = (): number[] =>
          tf.tidy(() => (tf.engine().runKernel(kernel, { x: tf.tensor(x.values, x.shape) }, attrs as tf.NamedAttrMap) as tf.Tensor).shape)
        const wasm = withoutLeaks(() => runKernelValues(kernel, { x }, attrs))
        const cpu = await onCpu(() => runKernelValues(kernel, { x }, attrs))
        expect(shapeOf()).toEqual(await onCpu(shapeOf))
        errors[name] = relErr(wasm, cpu)
        expect(errors[name]).toBeLessThanOrEqual(TOL)
      })
    }
  }

  it('is far closer to cpu than stock wasm on a BN-sized channel sum (the reason it exists)', async () => {
    const x = { values: cancelling(64 * 28 * 28 * 16, 2), shape: [64, 28, 28, 16] }
    const attrs = { axis: [0, 1, 2], keepDims: false }
    const cpu = await onCpu(() => runKernelValues(tf.Sum, { x }, attrs))
    const ours = runKernelValues(tf.Sum, { x }, attrs)
    unregisterWasmKernels([tf.Sum])
    const stock = runKernelValues(tf.Sum, { x }, attrs)
    registerWasmKernels([tf.Sum])
    errors['BN channel sum, ours'] = relErr(ours, cpu)
    errors['BN channel sum, stock wasm'] = relErr(stock, cpu)
    expect(errors['BN channel sum, ours']).toBeLessThanOrEqual(1e-6)
    expect(errors['BN channel sum, ours']).toBeLessThan(errors['BN channel sum, stock wasm']!)
  })

  it('Mean of cancelling terms equals the float64 mean to one float32 rounding', () => {
    const v = cancelling(64 * 14 * 14 * 32, 3)
    const got = runKernelValues(tf.Mean, { x: { values: v, shape: [64 * 14 * 14, 32] } }, { axis: 0, keepDims: false })
    const ref = new Float64Array(32)
    v.forEach((x, i) => {
      ref[i % 32] += x
    })
    expect(
      relErr(
        got,
        ref.map((x) => x / (64 * 14 * 14)),
      ),
    ).toBeLessThanOrEqual(1e-6)
  })

  it('leaves int32 and bool sums to the stock kernel', async () => {
    const ints = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).arraySync())
    expect(ints).toEqual([4, 6])
    const mean = tf.tidy(() => tf.mean(tf.tensor1d([1, 2, 4], 'int32')).arraySync())
    expect(mean).toBeCloseTo(7 / 3, 5)
  })

  it('gives BN-style moments and their gradient like cpu', async () => {
    const xv = seededValues(8 * 6 * 6 * 5, 4).map((v) => v * 3 + 1)
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, [8, 6, 6, 5])
        const g = tf.grad((t: tf.Tensor) => {
          const { mean, variance } = tf.moments(t, [0, 1, 2])
          const bn = tf.batchNorm(t, mean, variance, tf.fill([5], 0.1), tf.fill([5], 0.5), 1e-5)
          return tf.sum(tf.mul(bn, tf.tensor(xv, t.shape)))
        })(x)
        const { mean, variance } = tf.moments(x, [0, 1, 2])
        return [g, mean, variance].map((t) => t.dataSync() as Float32Array)
      })
    const wasm = withoutLeaks(run)
    const cpu = await onCpu(run)
    wasm.forEach((v, i) => {
      errors[`moments/BN grad ${i}`] = relErr(v, cpu[i]!)
      expect(errors[`moments/BN grad ${i}`]).toBeLessThanOrEqual(TOL)
    })
  })
})

describe('wasm Tile override', () => {
  const tiles: { shape: number[]; reps: number[]; dtype?: 'int32' | 'bool' }[] = [
    { shape: [1, 1, 1, 16], reps: [8, 7, 5, 1] },
    { shape: [2, 3], reps: [3, 2] },
    { shape: [2, 1, 3], reps: [1, 4, 1] },
    { shape: [3], reps: [5] },
    { shape: [2, 3, 4], reps: [1, 1, 1] },
    { shape: [2, 3], reps: [0, 2] },
    { shape: [2, 2], reps: [2, 3], dtype: 'int32' },
    { shape: [2, 2], reps: [3, 1], dtype: 'bool' },
  ]
  for (const c of tiles) {
    it(`matches cpu: ${JSON.stringify(c.shape)} × ${JSON.stringify(c.reps)} ${c.dtype ?? 'float32'}`, async () => {
      const values = seededValues(size(c.shape), 5)
      const run = (): number[] =>
        tf.tidy(() => {
          const t =
            c.dtype === undefined
              ? tf.tensor(values, c.shape)
              : c.dtype === 'bool'
                ? tf.tensor(
                    Array.from(values, (v) => v > 0),
                    c.shape,
                    'bool',
                  )
                : tf.tensor(
                    Array.from(values, (v) => Math.round(v * 10)),
                    c.shape,
                    'int32',
                  )
          const out = tf.tile(t, c.reps)
          expect(out.dtype).toBe(c.dtype ?? 'float32')
          return Array.from(out.dataSync())
        })
      const wasm = withoutLeaks(run)
      expect(wasm).toEqual(await onCpu(run))
    })
  }
})
