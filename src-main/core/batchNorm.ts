/**
 * BatchNorm over the channel (last) axis with PyTorch semantics: batch statistics in training,
 * running statistics (momentum 0.1, unbiased variance) in inference. Batch statistics are kept
 * aside during the forward pass and folded in after the optimizer step, outside the gradient tape.
 */
import * as tf from '@tensorflow/tfjs'

export const BN_EPS = 1e-5
const BN_MOMENTUM = 0.1

export interface BatchNormOutput {
  y: tf.Tensor
  /** per-channel batch mean and biased variance, for the running statistics */
  mean: tf.Tensor
  variance: tf.Tensor
}

/**
 * Training-mode BatchNorm over the last axis: normalise with the batch's own statistics.
 * The one place a training forward pass normalises, so the trainer and the bench run the same
 * kernels.
 */
export function batchNormTrain(z: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = BN_EPS): BatchNormOutput {
  const axes = z.shape.slice(0, -1).map((_, i) => i)
  const { mean, variance } = tf.moments(z, axes)
  return { y: tf.batchNorm(z, mean, variance, beta, gamma, eps), mean, variance }
}

interface Params {
  param(name: string): tf.Variable
  buffer(name: string): tf.Variable
}

interface BatchStat {
  id: string
  mean: tf.Tensor
  variance: tf.Tensor
  count: number
}

export class BatchNormState {
  private pending: BatchStat[] = []

  constructor(private readonly params: Params) {}

  apply(id: string, z: tf.Tensor, training: boolean): tf.Tensor {
    const gamma = this.params.param(`${id}.gamma`)
    const beta = this.params.param(`${id}.beta`)
    if (training) {
      const { y, mean, variance } = batchNormTrain(z, gamma, beta)
      const count = z.size / z.shape[z.shape.length - 1]!
      this.pending.push({ id, mean: tf.keep(mean), variance: tf.keep(variance), count })
      return y
    }
    const mean = this.params.buffer(`${id}.runningMean`)
    const variance = this.params.buffer(`${id}.runningVar`)
    return tf.batchNorm(z, mean, variance, beta, gamma, BN_EPS)
  }

  commit(): void {
    const stats = this.pending
    this.pending = []
    tf.tidy(() => {
      for (const s of stats) {
        const rm = this.params.buffer(`${s.id}.runningMean`)
        const rv = this.params.buffer(`${s.id}.runningVar`)
        const unbiased = s.count > 1 ? tf.mul(s.variance, s.count / (s.count - 1)) : s.variance
        rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(s.mean, BN_MOMENTUM)))
        rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)))
      }
    })
    for (const s of stats) tf.dispose([s.mean, s.variance])
  }

  discard(): void {
    for (const s of this.pending) tf.dispose([s.mean, s.variance])
    this.pending = []
  }
}
