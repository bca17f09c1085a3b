import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { crossEntropyAndHits, crossEntropyComposed, hasFusedCrossEntropy } from '../../../../../../src-main/core/crossEntropy'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, relErr, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

/** loss, hits and the gradient of 3·loss with respect to the logits (an upstream gradient ≠ 1) */
function lossHitsGrad(logitsV: Float32Array, labelsV: Int32Array, C: number, fused: boolean): { loss: number; hits: number; grad: Float32Array } {
  return tf.tidy(() => {
    const logits = tf.tensor2d(logitsV, [labelsV.length, C])
    const labels = tf.tensor1d(labelsV, 'int32')
    const f = fused ? crossEntropyAndHits : crossEntropyComposed
    let hits = 0
    const grad = tf.grad((l: tf.Tensor) => {
      const out = f(l as tf.Tensor2D, labels, C)
      hits = out.hits.dataSync()[0]!
      return tf.mul(out.loss, 3)
    })(logits)
    const loss = f(logits, labels, C).loss.dataSync()[0]!
    return { loss, hits, grad: grad.dataSync() as Float32Array }
  })
}

describe('fused softmax cross-entropy', () => {
  it('is registered on wasm with our kernels', () => {
    expect(hasFusedCrossEntropy()).toBe(true)
  })

  for (const [N, C, scale] of [
    [64, 10, 3],
    [7, 3, 30],
    [1, 2, 0.1],
  ] as const) {
    it(`matches the composed ops on cpu: N ${N}, C ${C}, logits ×${scale}`, async () => {
      const logits = seededValues(N * C, N + C).map((v) => v * scale)
      // ties for the first-maximum rule, and a label outside the classes (a zero one-hot row)
      if (N > 1) logits.set([2, 2], C)
      const labels = Int32Array.from({ length: N }, (_, i) => (i === N - 1 && N > 1 ? C + 5 : (i * 7) % C))
      const ours = withoutLeaks(() => lossHitsGrad(logits, labels, C, true))
      const cpu = await onCpu(() => lossHitsGrad(logits, labels, C, false))
      expect(Math.abs(ours.loss - cpu.loss)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(cpu.loss)))
      expect(ours.hits).toBe(cpu.hits)
      expect(relErr(ours.grad, cpu.grad)).toBeLessThanOrEqual(1e-6)
    })
  }

  it('names the input it cannot take', () => {
    const logits = tf.zeros([4, 3])
    expect(() => crossEntropyAndHits(logits as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'), 3)).toThrow(/labels must be int32 \[4\]/)
    logits.dispose()
  })
})
