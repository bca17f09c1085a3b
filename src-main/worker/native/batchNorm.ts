/**
 * Batch norm on oneDNN (native/src/batchnorm.cc): the fused training kernels core/batchNorm.ts
 * dispatches to (SplineLabBatchNormTrain → [y, mean, variance, invStd], …Grad → [dx, dγ, dβ]),
 * and tfjs's FusedBatchNorm (inference, tf.batchNorm) where every statistic is per channel.
 * Channels are the last axis; every other axis is rows ([M, C]).
 */
import * as tf from '@tensorflow/tfjs'
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../core/batchNorm'
import type { NativeAddon } from './addon'
import { at, disposeAll, fallback, heapOf, isFloat32, sizeOf, wasmOf, type KernelArgs, type NativeKernel, type NativeKernelFunc } from './util'

function rowsAndChannels(x: tf.TensorInfo): [number, number] {
  const C = x.shape[x.shape.length - 1] ?? 0
  return [C === 0 ? 0 : sizeOf(x.shape) / C, C]
}

const perChannel = (C: number, ...infos: tf.TensorInfo[]): boolean => infos.every((t) => t.shape.length === 1 && t.shape[0] === C)

function train(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo }
    const { epsilon } = args.attrs as { epsilon: number }
    const why = (r: string) => fallback(BATCH_NORM_TRAIN, previous, args, r)
    const [M, C] = rowsAndChannels(x)
    if (!isFloat32(x, gamma, beta)) return why('float32 only')
    if (M === 0 || !perChannel(C, gamma, beta)) return why(`x [${x.shape}] with per-channel gamma and beta [${C}] only`)
    const w = wasmOf(args.backend)
    const outs = [w.makeOutput([...x.shape], 'float32'), w.makeOutput([C], 'float32'), w.makeOutput([C], 'float32'), w.makeOutput([C], 'float32')]
    const [y, mean, variance, inv] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo]
    const h = heapOf(w)
    if (addon.batchNormTrain(h, at(w, x), at(w, gamma), at(w, beta), at(w, y), at(w, mean), at(w, variance), at(w, inv), Int32Array.of(M, C), epsilon)) {
      return outs
    }
    disposeAll(w, ...outs)
    return why('oneDNN has no kernel for this shape')
  }
}

function trainGrad(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { dy, x, gamma, invStd } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'invStd', tf.TensorInfo>
    const why = (r: string) => fallback(BATCH_NORM_TRAIN_GRAD, previous, args, r)
    const [M, C] = rowsAndChannels(x)
    if (!isFloat32(dy, x, gamma, invStd)) return why('float32 only')
    if (M === 0 || sizeOf(dy.shape) !== M * C || !perChannel(C, gamma, invStd)) return why(`x [${x.shape}] with per-channel gamma and invStd [${C}] only`)
    const w = wasmOf(args.backend)
    const outs = [w.makeOutput([...x.shape], 'float32'), w.makeOutput([C], 'float32'), w.makeOutput([C], 'float32')]
    const [dx, dgamma, dbeta] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo]
    const h = heapOf(w)
    if (addon.batchNormTrainGrad(h, at(w, dy), at(w, x), at(w, gamma), at(w, invStd), at(w, dx), at(w, dgamma), at(w, dbeta), Int32Array.of(M, C))) return outs
    disposeAll(w, ...outs)
    return why('oneDNN has no kernel for this shape')
  }
}

function inference(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<'x' | 'mean' | 'variance', tf.TensorInfo> &
      Partial<Record<'offset' | 'scale', tf.TensorInfo>>
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs
    const why = (r: string) => fallback(tf.FusedBatchNorm, previous, args, r)
    const [M, C] = rowsAndChannels(x)
    const params = [mean, variance, ...(offset ? [offset] : []), ...(scale ? [scale] : [])]
    if (!isFloat32(x, ...params)) return why('float32 only')
    // tfjs broadcasts statistics of other shapes (by index modulo their size): left to the previous kernel.
    if (M === 0 || !perChannel(C, ...params)) return why('per-channel statistics only')
    const w = wasmOf(args.backend)
    const y = w.makeOutput([...x.shape], 'float32')
    const h = heapOf(w)
    const ok = addon.batchNormInference(
      h,
      at(w, x),
      at(w, mean),
      at(w, variance),
      scale ? at(w, scale) : -1,
      offset ? at(w, offset) : -1,
      at(w, y),
      Int32Array.of(M, C),
      varianceEpsilon,
    )
    if (ok) return y
    disposeAll(w, y)
    return why('oneDNN has no kernel for this shape')
  }
}

export const batchNormKernels: NativeKernel[] = [
  { kernelName: BATCH_NORM_TRAIN, create: train },
  { kernelName: BATCH_NORM_TRAIN_GRAD, create: trainGrad },
  { kernelName: tf.FusedBatchNorm, create: inference },
]
