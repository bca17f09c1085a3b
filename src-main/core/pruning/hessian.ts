/**
 * The Hessian-gradient product Hg for GraSP, exact (up to float32 rounding). TF.js 4.22 cannot
 * differentiate our backward pass twice: nested `variableGrads` do not compose,
 * `losses.softmaxCrossEntropy` is a custom gradient, the fused BatchNorm gradient and
 * `Conv2DBackpropFilter` / `MaxPoolGrad` have no gradient of their own. So H·v is computed as the
 * gradient of ⟨∂L/∂logits, ḟ⟩, ḟ the logits' tangent along v from a forward-mode pass
 * (tangent.ts), which needs first-order gradients only ("reverse over forward"). A test checks it
 * against a float64 reference on small networks.
 */
import * as tf from '@tensorflow/tfjs'
import type { Network } from '../network'
import { accumulate, forEachBatch } from './gradients'
import { TangentForward } from './tangent'
import type { WeightedSamples } from './types'

/** H·v of Σᵢ wᵢ·CE(f(xᵢ) / T, yᵢ) with BN in inference mode, v and the result by parameter name. */
export function hessianVectorProduct(
  network: Network,
  samples: WeightedSamples,
  temperature: number,
  numClasses: number,
  batch: number,
  v: Readonly<Record<string, ArrayLike<number>>>,
): Record<string, Float64Array> {
  const names = [...network.trainable.keys()]
  const vars = names.map((n) => network.param(n))
  const out: Record<string, Float64Array> = {}
  forEachBatch(network, samples, batch, (b) => {
    const tangent = new Map(names.map((n, i) => [n, tf.tensor(Float32Array.from(v[n] ?? new Float32Array(vars[i]!.size)), vars[i]!.shape)]))
    const masks = new TangentForward(network, null, null)
    masks.run(b.x)
    const { grads } = tf.variableGrads(() => {
      const { logits, tangent: fdot } = new TangentForward(network, tangent, masks.masks).run(b.x)
      // ∂L/∂f = wᵢ (softmax(fᵢ / T) − onehot(yᵢ)) / T, itself a function of θ (the Gauss–Newton part)
      const dLdf = tf.mul(tf.sub(tf.softmax(tf.div(logits, temperature)), tf.oneHot(b.labels, numClasses)), tf.div(tf.reshape(b.weights, [-1, 1]), temperature))
      return tf.sum(tf.mul(dLdf, fdot!)) as tf.Scalar
    }, vars)
    accumulate(network, grads, out)
  })
  return out
}
