/**
 * Loss gradients for the gradient-based criteria (loss preservation, GraSP and its
 * Hessian-gradient product).
 */
import * as tf from '@tensorflow/tfjs'
import type { ScoreContext } from './types'

/** ∇θ of the mean cross-entropy on the context batch (BN in training mode, stats discarded). */
export function lossGradients(ctx: ScoreContext): Record<string, Float32Array> {
  const { network, batch } = ctx
  if (!batch || !ctx.numClasses) throw new Error('gradient criteria need a batch of training data')
  const names = [...network.trainable.keys()]
  const grads = tf.tidy(() => {
    const x = tf.tensor(batch.x, [batch.count, ...network.spec.input])
    const y = tf.oneHot(tf.tensor1d(batch.y, 'int32'), ctx.numClasses!)
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, network.forward(x, true).logits) as tf.Scalar)
    return names.map((n) => grads[network.param(n).name]!.dataSync() as Float32Array)
  })
  network.discardBatchStats()
  return Object.fromEntries(names.map((n, i) => [n, grads[i]!]))
}
