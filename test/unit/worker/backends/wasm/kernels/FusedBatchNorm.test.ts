import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchNormComposed, batchNormTrain, hasFusedBatchNorm } from '../../../../../../src-main/core/batchNorm'
import { buildSpec } from '../../../../../../src-main/core/models'
import { Network } from '../../../../../../src-main/core/network'
import { SgdMomentum } from '../../../../../../src-main/core/sgd'
import { localStep } from '../../../../../../src-main/core/step'
import { registerWasmKernels, unregisterWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { batchNormSimd, setSimdEnabled, simdFailure } from '../../../../../../src-main/worker/backends/wasm/kernels/simd'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { initWasmBackend, onCpu, relErr, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

const TOL = 2e-5
const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('fused BatchNorm max relative errors vs cpu (composed ops)', errors))

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
  // A channel mean far from zero: where a naive Σx² − (Σx)²/M would lose the variance.
  { shape: [32, 4, 4, 3], offset: 1000, scale: 0.01 },
  { shape: [3, 2], offset: -2, scale: 1 },
  // Rows not a multiple of four: the SIMD part and the JavaScript tail meet.
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

/** y, mean, variance and the gradients of Σ w·y with respect to x, γ and β, as plain arrays. */
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

/** The same six arrays from the textbook formulas in float64, two-pass: the independent check. */
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

describe('fused training BatchNorm on wasm', () => {
  it('is what batchNormTrain uses on wasm with our kernels, and not on cpu', async () => {
    expect(hasFusedBatchNorm()).toBe(true)
    expect(await onCpu(hasFusedBatchNorm)).toBe(false)
  })

  it('runs its passes in our SIMD module on the backend memory', () => {
    const simd = batchNormSimd(tf.backend() as unknown as BackendWasm)
    expect(simd, simdFailure() ?? '').not.toBeNull()
    expect(Object.keys(simd!).sort()).toEqual(['inputGrad', 'normalize', 'sumsBackward', 'sumsForward'])
  })

  for (const c of cases) {
    const name = `${JSON.stringify(c.shape)} offset ${c.offset}`
    for (const simd of [true, false]) {
      it(`matches float64 textbook BN (y, mean, variance, dx, dγ, dβ) for ${name}, ${simd ? 'SIMD' : 'JavaScript'}`, () => {
        setSimdEnabled(simd)
        try {
          const fused = withoutLeaks(() => forwardAndGrads(batchNormTrain, c))
          const exact = naive(c)
          LABELS.forEach((label, i) => {
            const err = relErr(fused[i]!, exact[i]!)
            errors[`${name} ${label} vs float64${simd ? '' : ' (js)'}`] = err
            expect(err, label).toBeLessThanOrEqual(TOL)
          })
        } finally {
          setSimdEnabled(true)
        }
      })
    }
    // float32 moments on cpu lose the variance of a channel whose mean dwarfs its spread.
    if (c.offset < 1000) {
      it(`matches the composed ops on cpu for ${name}`, async () => {
        const fused = forwardAndGrads(batchNormTrain, c)
        const cpu = await onCpu(() => forwardAndGrads(batchNormComposed, c))
        LABELS.forEach((label, i) => {
          const err = relErr(fused[i]!, cpu[i]!)
          errors[`${name} ${label} vs cpu`] = err
          expect(err, label).toBeLessThanOrEqual(TOL)
        })
      })
    }
  }

  it('trains a BN network to the same weights as the composed path on cpu (5 SGD steps)', async () => {
    const train = (): Float32Array[] => {
      const spec = buildSpec('cnn', [12, 12, 1], 4, { width: 0.25 })
      const net = new Network(spec, 7)
      const sgd = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })
      const step = localStep(net, sgd, 144, 4)
      for (let s = 0; s < 5; s++) {
        const y = Int32Array.from({ length: 16 }, (_, i) => (i + s) % 4)
        step.run(seededValues(16 * 144, 10 + s), y, 16)
      }
      const out = [...net.trainable.values(), ...net.buffers.values()].map((v) => v.dataSync() as Float32Array)
      sgd.dispose()
      net.dispose()
      return out
    }
    const before = tf.memory().numTensors
    const wasm = train()
    expect(tf.memory().numTensors).toBe(before)
    const cpu = await onCpu(train)
    expect(wasm.length).toBe(cpu.length)
    const err = Math.max(...wasm.map((w, i) => relErr(w, cpu[i]!)))
    errors['cnn weights after 5 steps'] = err
    expect(err).toBeLessThanOrEqual(1e-4)
  })

  it('falls back to the composed ops when the kernels are unregistered', () => {
    unregisterWasmKernels(['SplineLabBatchNormTrain', 'SplineLabBatchNormTrainGrad'])
    try {
      expect(hasFusedBatchNorm()).toBe(false)
      const c = cases[3]!
      const composed = forwardAndGrads(batchNormTrain, c)
      registerWasmKernels(['SplineLabBatchNormTrain', 'SplineLabBatchNormTrainGrad'])
      const fused = forwardAndGrads(batchNormTrain, c)
      for (let i = 0; i < fused.length; i++) expect(relErr(fused[i]!, composed[i]!)).toBeLessThanOrEqual(TOL)
    } finally {
      registerWasmKernels()
    }
  })
})
