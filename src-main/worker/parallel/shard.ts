/**
 * What the trainer and every replica compute for their shard: the gradients of the shard's mean
 * loss, its loss and hits, with exactly the ops of core/step.ts localStep, so one worker's shard
 * is trained by the same kernels whichever thread runs it.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { Network } from '../../core/network'
import { batchGradients } from '../../core/step'
import type { BatchStat } from '../../core/batchNorm'

export interface ShardTensors {
  /** in network.trainable order */
  grads: tf.Tensor[]
  loss: tf.Scalar
  hits: tf.Scalar
}

/** Forward and backward of one shard in training mode; the caller disposes the result. BN batch
 * statistics are left pending on the network (see pendingBnStats). */
export function shardGradients(network: Network, x: Float32Array, y: Int32Array, count: number, featureSize: number, numClasses: number): ShardTensors {
  const vars = [...network.trainable.values()]
  return tf.tidy(() => {
    const { loss, grads, hits } = batchGradients(network, x, y, count, featureSize, numClasses)
    const ordered = vars.map((v) => {
      const g = grads[v.name]
      // every parameter reaches the loss in our architectures; a missing one would desync the slots
      if (!g) throw new Error(`no gradient for '${v.name}'`)
      return g
    })
    return { grads: ordered, loss, hits }
  })
}

/** A training forward pass's batch statistics of one BN layer (core/batchNorm.ts). */
export type PendingBnStat = BatchStat

/** The BN statistics a training forward pass left pending on the network, live. */
export function pendingBnStats(network: Network): PendingBnStat[] {
  return network.bn.pendingStats
}

/** Copies of `values` a tensor can own: on backends that keep the array they are given (cpu),
 * a view of shared memory would otherwise change under the tensor at the next step. */
export function ownedCopy<T extends Float32Array | Int32Array>(values: T): T {
  return tf.getBackend() === 'wasm' ? values : (values.slice() as T)
}

/**
 * Writes a float32 tensor's values into `out` at `offset`. On wasm straight from the heap:
 * dataSync() allocates a fresh copy first, which for the mlp's 2.7 MB of weights costs 2 ms
 * against 0.13 ms (page faults of the new buffer), a serial cost every step would pay.
 */
export function copyInto(t: tf.Tensor, out: Float32Array, offset: number): void {
  if (tf.getBackend() === 'wasm') out.set((tf.backend() as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array, offset)
  else out.set(t.dataSync() as Float32Array, offset)
}
