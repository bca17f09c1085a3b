/**
 * One SGD step on one batch, as a seam: the engine drives a TrainStep and does not care whether
 * the step runs here (localStep) or is split over several trainer workers with averaged
 * gradients (worker/parallel). The bench times the same TrainStep the trainer runs.
 */
import * as tf from '@tensorflow/tfjs'
import { crossEntropyAndHits } from './crossEntropy'
import type { Network } from './network'
import type { SgdMomentum } from './sgd'

export interface StepResult {
  /** mean cross-entropy of the batch */
  loss: number
  /** correctly classified examples in the batch */
  correct: number
}

export interface TrainStep {
  /** trains on `count` examples: x holds count × featureSize values, y their labels */
  run(x: Float32Array, y: Int32Array, count: number): StepResult | Promise<StepResult>
  /** frees what the step holds (not the network or the optimizer) */
  dispose(): void
}

/**
 * Forward (training mode) and backward of one batch: the mean cross-entropy, its gradients by
 * variable name, and the number of correct predictions (kept: return or dispose it). Call inside
 * tf.tidy; BN batch statistics are left pending on the network for commitBatchStats().
 */
export function batchGradients(
  network: Network,
  x: Float32Array,
  y: Int32Array,
  count: number,
  featureSize: number,
  numClasses: number,
): { loss: tf.Scalar; grads: tf.NamedTensorMap; hits: tf.Scalar } {
  const xs = tf.tensor2d(x, [count, featureSize])
  const labels = tf.tensor1d(y.subarray(0, count), 'int32')
  let hits: tf.Scalar | null = null
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = network.forward(xs, true)
    const out = crossEntropyAndHits(logits as tf.Tensor2D, labels, numClasses)
    hits = tf.keep(out.hits)
    return out.loss
  }, [...network.trainable.values()])
  return { loss: value, grads, hits: hits! }
}

/** The single-worker step: forward, backward, optimizer, BN statistics, all on this backend. */
export function localStep(network: Network, optimizer: SgdMomentum, featureSize: number, numClasses: number): TrainStep {
  return {
    run(x, y, count) {
      const stats = tf.tidy(() => {
        const { loss, grads, hits } = batchGradients(network, x, y, count, featureSize, numClasses)
        optimizer.step(network.trainable, gradsByName(network, grads))
        return [loss, hits] as [tf.Scalar, tf.Scalar]
      })
      network.commitBatchStats()
      const loss = stats[0].dataSync()[0]!
      const correct = stats[1].dataSync()[0]!
      tf.dispose(stats)
      return { loss, correct }
    },
    dispose() {},
  }
}

/** Gradients keyed by the network's parameter names instead of the variables' unique names. */
export function gradsByName(network: Network, grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
  const byVarName: Record<string, tf.Tensor> = {}
  for (const [name, v] of network.trainable) {
    const g = grads[v.name]
    if (g) byVarName[name] = g
  }
  return byVarName
}
