/**
 * Loss gradients for the gradient criteria, as flowandprune computes them: BN in inference mode
 * (`net.eval()`), the loss Σᵢ wᵢ·CE(logitsᵢ / T, yᵢ) over weighted samples, evaluated a batch at a
 * time and summed in float64 (in inference mode the batching does not change the result).
 */
import * as tf from '@tensorflow/tfjs'
import type { Network } from '../network'
import type { WeightedSamples } from './types'

/** Σᵢ wᵢ·CE(logitsᵢ / T, yᵢ), from ops every backend differentiates (no fused or custom-gradient loss). */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Tensor1D, temperature: number, numClasses: number): tf.Scalar {
  const logp = tf.logSoftmax(tf.div(logits, temperature))
  const picked = tf.sum(tf.mul(logp, tf.oneHot(labels, numClasses)), 1)
  return tf.neg(tf.sum(tf.mul(picked, weights))) as tf.Scalar
}

export interface SampleBatch {
  x: tf.Tensor
  labels: tf.Tensor1D
  weights: tf.Tensor1D
}

/** Calls `body` inside a tidy for each batch of the samples (tensors shaped for the network). */
export function forEachBatch(network: Network, samples: WeightedSamples, batch: number, body: (b: SampleBatch) => void): void {
  const f = samples.x.length / Math.max(1, samples.count)
  for (let start = 0; start < samples.count; start += batch) {
    const end = Math.min(samples.count, start + batch)
    tf.tidy(() =>
      body({
        x: tf.tensor(samples.x.subarray(start * f, end * f), [end - start, ...network.spec.input]),
        labels: tf.tensor1d(samples.y.subarray(start, end), 'int32'),
        weights: tf.tensor1d(Float32Array.from(samples.weights.subarray(start, end))),
      }),
    )
  }
}

/** Adds each named gradient of `grads` into `into` (float64), creating the entries on first use. */
export function accumulate(network: Network, grads: tf.NamedTensorMap, into: Record<string, Float64Array>): void {
  for (const [name, v] of network.trainable) {
    const g = grads[v.name]
    const acc = (into[name] ??= new Float64Array(v.size))
    if (!g) continue
    const d = g.dataSync()
    for (let i = 0; i < d.length; i++) acc[i]! += d[i]!
  }
}

/** ∇θ Σᵢ wᵢ·CE(f(xᵢ) / T, yᵢ), BN in inference mode; every trainable parameter by name. */
export function lossGradients(
  network: Network,
  samples: WeightedSamples,
  temperature: number,
  numClasses: number,
  batch: number,
): Record<string, Float64Array> {
  const vars = [...network.trainable.values()]
  const out: Record<string, Float64Array> = {}
  forEachBatch(network, samples, batch, (b) => {
    const { grads } = tf.variableGrads(() => weightedCrossEntropy(network.forward(b.x, false).logits, b.labels, b.weights, temperature, numClasses), vars)
    accumulate(network, grads, out)
  })
  return out
}
