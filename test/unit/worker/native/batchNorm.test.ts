import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchNormComposed, batchNormTrain, hasFusedBatchNorm } from '../../../../src-main/core/batchNorm'
import type { NativeAddon } from '../../../../src-main/worker/native'
import { callsOf, initNativeWasm, native, suiteName } from '../../../helpers/native'
import { onCpu, relErr, seededValues, withoutLeaks } from '../../../helpers/wasm'

const TOL = 2e-5
const errors: Record<string, number> = {}
let addon: NativeAddon

interface Case {
  shape: number[]
  offset: number
  scale: number
}

const cases: Case[] = [
  { shape: [64, 28, 28, 16], offset: 0, scale: 1 },
  { shape: [64, 14, 14, 32], offset: 0.3, scale: 2 },
  { shape: [64, 512], offset: 0, scale: 1 },
  { shape: [5, 3, 3, 7], offset: 0, scale: 1 },
  // A channel mean far from zero: where a one-pass Σx² − (Σx)²/M would lose the variance.
  { shape: [32, 4, 4, 3], offset: 1000, scale: 0.01 },
  { shape: [3, 2], offset: -2, scale: 1 },
  { shape: [7, 3, 5], offset: 0.5, scale: 1 },
]

function inputs(c: Case) {
  const n = c.shape.reduce((a, b) => a * b, 1)
  const C = c.shape[c.shape.length - 1]!
  return {
    n,
    C,
    x: seededValues(n, 1).map((v, i) => v * c.scale + c.offset * ((i % C) + 1)),
    gamma: seededValues(C, 2).map((v) => 1 + v / 2),
    beta: seededValues(C, 3),
    weights: seededValues(n, 4),
  }
}

/** y, mean, variance and the gradients of Σ w·y with respect to x, γ and β. */
function forwardAndGrads(fn: typeof batchNormTrain, c: Case): Float32Array[] {
  const v = inputs(c)
  return tf.tidy(() => {
    const x = tf.tensor(v.x, c.shape)
    const gamma = tf.tensor1d(v.gamma)
    const beta = tf.tensor1d(v.beta)
    const weights = tf.tensor(v.weights, c.shape)
    const out = fn(x, gamma, beta)
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(a, g, b).y, weights)))([x, gamma, beta])
    return [out.y, out.mean, out.variance, ...grads].map((t) => t.dataSync() as Float32Array)
  })
}

/** The textbook formulas in float64, two-pass: the independent check. */
function naive(c: Case): Float64Array[] {
  const { n, C, x, gamma, beta, weights: dy } = inputs(c)
  const M = n / C
  const mean = new Float64Array(C)
  const variance = new Float64Array(C)
  for (let i = 0; i < n; i++) mean[i % C] += x[i]! / M
  for (let i = 0; i < n; i++) variance[i % C] += (x[i]! - mean[i % C]!) ** 2 / M
  const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-5))
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % C]!) * inv[i % C]!)
  const y = Float64Array.from(xhat, (v, i) => v * gamma[i % C]! + beta[i % C]!)
  const dbeta = new Float64Array(C)
  const dgamma = new Float64Array(C)
  for (let i = 0; i < n; i++) {
    dbeta[i % C] += dy[i]!
    dgamma[i % C] += dy[i]! * xhat[i]!
  }
  const dx = Float64Array.from(xhat, (v, i) => gamma[i % C]! * inv[i % C]! * (dy[i]! - dbeta[i % C]! / M - (v * dgamma[i % C]!) / M))
  return [y, mean, variance, dx, dgamma, dbeta]
}

const LABELS = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta']

describe.skipIf(!native.ok)(suiteName('native batch norm (oneDNN)'), () => {
  beforeAll(async () => {
    addon = await initNativeWasm()
  })
  afterAll(() => {
    addon?.setThreads(2)
    console.log('native batch norm max relative errors', errors)
  })

  it('is the fused BN that batchNormTrain dispatches to', () => {
    expect(hasFusedBatchNorm()).toBe(true)
    expect(callsOf('batchNormTrain', () => tf.dispose(tf.tidy(() => batchNormTrain(tf.ones([4, 3]), tf.ones([3]), tf.zeros([3])).y)))).toBe(1)
  })

  for (const c of cases) {
    const name = `${JSON.stringify(c.shape)} offset ${c.offset}`
    for (const threads of [1, 2]) {
      it(`training forward and backward match float64 textbook BN for ${name}, ${threads} thread${threads > 1 ? 's' : ''}`, () => {
        addon.setThreads(threads)
        let got: Float32Array[] = []
        const grads = callsOf('batchNormTrainGrad', () => {
          expect(callsOf('batchNormTrain', () => (got = withoutLeaks(() => forwardAndGrads(batchNormTrain, c))))).toBe(2)
        })
        expect(grads).toBe(1)
        const exact = naive(c)
        LABELS.forEach((label, i) => {
          const err = relErr(got[i]!, exact[i]!)
          errors[`${name} ${label} ×${threads}`] = err
          expect(err, label).toBeLessThanOrEqual(TOL)
        })
      })
    }
    // float32 moments on cpu lose the variance of a channel whose mean dwarfs its spread.
    if (c.offset < 1000) {
      it(`matches the composed ops on cpu for ${name}`, async () => {
        const got = forwardAndGrads(batchNormTrain, c)
        const cpu = await onCpu(() => forwardAndGrads(batchNormComposed, c))
        LABELS.forEach((label, i) => expect(relErr(got[i]!, cpu[i]!), label).toBeLessThanOrEqual(TOL))
      })
    }
  }

  for (const [shape, withScale, withOffset] of [
    [[8, 6, 6, 16], true, true],
    [[64, 512], true, false],
    [[5, 7], false, true],
    [[2, 3, 3, 4], false, false],
  ] as [number[], boolean, boolean][]) {
    it(`inference (FusedBatchNorm) matches cpu: ${JSON.stringify(shape)}${withScale ? ', scale' : ''}${withOffset ? ', offset' : ''}`, async () => {
      const C = shape.at(-1)!
      const n = shape.reduce((a, b) => a * b, 1)
      const run = (): Float32Array =>
        tf.tidy(() => {
          const y = tf.batchNorm(
            tf.tensor(seededValues(n, 5), shape),
            tf.tensor1d(seededValues(C, 6)),
            tf.tensor1d(seededValues(C, 7).map((v) => v * v + 0.1)),
            withOffset ? tf.tensor1d(seededValues(C, 8)) : undefined,
            withScale ? tf.tensor1d(seededValues(C, 9)) : undefined,
            1e-3,
          )
          return y.dataSync() as Float32Array
        })
      let got: Float32Array = new Float32Array()
      expect(callsOf('batchNormInference', () => (got = withoutLeaks(run)))).toBe(1)
      const cpu = await onCpu(run)
      errors[`inference ${JSON.stringify(shape)} ${withScale} ${withOffset}`] = relErr(got, cpu)
      expect(relErr(got, cpu)).toBeLessThanOrEqual(TOL)
    })
  }

  it('leaves statistics that are not per channel to the kernel registered before it', async () => {
    const run = (): Float32Array =>
      tf.tidy(
        () => tf.batchNorm(tf.tensor(seededValues(24, 5), [2, 3, 4]), tf.scalar(0.5), tf.scalar(2), undefined, undefined, 1e-3).dataSync() as Float32Array,
      )
    let got: Float32Array = new Float32Array()
    expect(callsOf('batchNormInference', () => (got = run()))).toBe(0)
    expect(relErr(got, await onCpu(run))).toBeLessThanOrEqual(TOL)
  })
})
