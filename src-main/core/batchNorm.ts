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
 * A fused training-mode BatchNorm, for backends that register it: inputs {x, gamma, beta}, attr
 * {epsilon}; outputs [y, mean, variance (biased), invStd]. Its gradient kernel takes
 * {dy, x, gamma, invStd} and returns [dx, dgamma, dbeta]. Composed from tfjs ops the
 * forward and backward pass are ≈ 20 kernels and as many passes over the activations (≈ 30 of
 * 80 ms of a small CNN's step on wasm); fused they are two passes each (worker/kernels).
 */
export const BATCH_NORM_TRAIN = 'SplineLabBatchNormTrain'
export const BATCH_NORM_TRAIN_GRAD = 'SplineLabBatchNormTrainGrad'

// The gradient is backend-independent; only backends with both kernels ever record the op.
tf.registerGradient({
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, false, false, true],
  gradFunc: (dys, saved) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys
    const [x, gamma, invStd] = saved
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: x!, gamma: gamma!, invStd: invStd! }, {}) as tf.Tensor[]
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! }
  },
})

/** Whether the current backend has the fused kernels (wasm with our kernels registered). */
export function hasFusedBatchNorm(): boolean {
  const backend = tf.getBackend()
  return tf.getKernel(BATCH_NORM_TRAIN, backend) !== undefined && tf.getKernel(BATCH_NORM_TRAIN_GRAD, backend) !== undefined
}

/**
 * Training-mode BatchNorm over the last axis: normalise with the batch's own statistics.
 * The one place a training forward pass normalises, so the trainer and the bench run the same
 * kernels: fused where the backend has them, composed from tfjs ops elsewhere.
 */
export function batchNormTrain(z: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = BN_EPS): BatchNormOutput {
  if (hasFusedBatchNorm()) {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: z, gamma, beta }, { epsilon: eps }) as tf.Tensor[]
    return { y: y!, mean: mean!, variance: variance! }
  }
  return batchNormComposed(z, gamma, beta, eps)
}

/** The same from tfjs ops (moments + batchNorm), differentiated by tfjs: any backend. */
export function batchNormComposed(z: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = BN_EPS): BatchNormOutput {
  const axes = z.shape.slice(0, -1).map((_, i) => i)
  const { mean, variance } = tf.moments(z, axes)
  return { y: tf.batchNorm(z, mean, variance, beta, gamma, eps), mean, variance }
}

interface Params {
  param(name: string): tf.Variable
  buffer(name: string): tf.Variable
}

/** One training forward pass's batch statistics of one BN layer, until commit() folds them in. */
export interface BatchStat {
  id: string
  mean: tf.Tensor
  variance: tf.Tensor
  count: number
}

export class BatchNormState {
  private pending: BatchStat[] = []

  constructor(private readonly params: Params) {}

  /**
   * The batch statistics since the last commit(), live: replacing an entry's tensors changes what
   * commit() folds into the running statistics (the data-parallel step puts the whole batch's
   * moments there, combined from its shards).
   */
  get pendingStats(): BatchStat[] {
    return this.pending
  }

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
