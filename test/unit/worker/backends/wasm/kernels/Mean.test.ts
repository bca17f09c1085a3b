import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../../../helpers/wasm'
import { cancelling, reductionMatchesCpu, reductionName, reductions, size, TOL } from './reductionCases'

const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('Mean max relative errors vs cpu', errors))

describe('wasm Mean override (float64 accumulation)', () => {
  for (const r of reductions) {
    const name = reductionName(tf.Mean, r)
    it(`matches cpu: ${name}`, async () => {
      // cpu's Mean rounds every x/n to float32 before summing, so on cancelling terms cpu itself
      // is off by more than our tolerance; Mean gets plain values here and a float64 check below.
      errors[name] = await reductionMatchesCpu(tf.Mean, r, seededValues(size(r.shape), 1))
    })
  }

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

  it('leaves int32 means to the stock kernel', async () => {
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
