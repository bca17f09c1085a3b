/**
 * The training loss: mean softmax cross-entropy of a batch's logits against integer labels, and
 * the batch's correct predictions (first maximum, as tf.argMax).
 *
 * Composed from tfjs ops (oneHot, logSoftmax, the weighted mean, argMax/equal/sum for the hits)
 * and differentiated by tfjs, that is about 25 small kernels per step, forward and backward; on
 * wasm each costs a dispatch and an allocation, ≈ 0.5 ms of an mlp step that takes 7. Backends
 * that register SOFTMAX_CROSS_ENTROPY (wasm, with our kernels) do it in one kernel, which also
 * hands back the gradient with respect to the logits, (softmax − onehot) / N; backward is then one
 * multiplication by the upstream gradient.
 */
import * as tf from '@tensorflow/tfjs'

/** Inputs {logits [N, C] float32, labels [N] int32}; outputs [loss (scalar), dlogits [N, C], hits (scalar)].
 * A label outside 0..C−1 contributes nothing to the loss (its one-hot row is zero, as tf.oneHot's). */
export const SOFTMAX_CROSS_ENTROPY = 'SplineLabSoftmaxCrossEntropy'

tf.registerGradient({
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['labels'],
  outputsToSave: [false, true, false],
  gradFunc: (dys, saved) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys
    const [labels, dlogits] = saved
    return { logits: () => tf.mul(dlogits!, dy), labels: () => tf.zeros(labels!.shape) }
  },
})

export interface LossAndHits {
  loss: tf.Scalar
  hits: tf.Scalar
}

/** Whether the current backend has the fused kernel. */
export function hasFusedCrossEntropy(): boolean {
  return tf.getKernel(SOFTMAX_CROSS_ENTROPY, tf.getBackend()) !== undefined
}

/** Mean softmax cross-entropy and correct predictions, fused where the backend can. */
export function crossEntropyAndHits(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): LossAndHits {
  if (hasFusedCrossEntropy()) {
    const [loss, , hits] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, {}) as tf.Tensor[]
    return { loss: loss as tf.Scalar, hits: hits as tf.Scalar }
  }
  return crossEntropyComposed(logits, labels, numClasses)
}

/** The same from tfjs ops, differentiated by tfjs: any backend. */
export function crossEntropyComposed(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): LossAndHits {
  const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar
  const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar
  return { loss, hits }
}
