/**
 * BatchNorm over the channel (last) axis with PyTorch semantics: batch statistics in training,
 * running statistics (momentum 0.1, unbiased variance) in inference. Batch statistics are kept
 * aside during the forward pass and folded in after the optimizer step, outside the gradient tape.
 */
import * as tf from '@tensorflow/tfjs'

const BN_EPS = 1e-5
const BN_MOMENTUM = 0.1

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
    let mean: tf.Tensor
    let variance: tf.Tensor
    if (training) {
      const axes = z.shape.slice(0, -1).map((_, i) => i)
      const m = tf.moments(z, axes)
      mean = m.mean
      variance = m.variance
      const count = z.size / z.shape[z.shape.length - 1]!
      this.pending.push({ id, mean: tf.keep(mean), variance: tf.keep(variance), count })
    } else {
      mean = this.params.buffer(`${id}.runningMean`)
      variance = this.params.buffer(`${id}.runningVar`)
    }
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
