/**
 * BatchMatMul on sgemm (native/src/gemm.cc: OpenBLAS, Accelerate, or oneDNN's), every transpose
 * combination read in place. Batch dimensions broadcast as in tfjs where each operand's batch is
 * either 1 or the whole; partial broadcasts ([2,1] with [1,3]) go to the previous kernel.
 */
import * as tf from '@tensorflow/tfjs'
import type { NativeAddon } from './addon'
import { at, fallback, heapOf, isFloat32, sizeOf, wasmOf, type KernelArgs, type NativeKernel, type NativeKernelFunc } from './util'

function batchMatMul(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs
    const why = (r: string) => fallback(tf.BatchMatMul, previous, args, r)
    const ra = a.shape.length
    const rb = b.shape.length
    if (!isFloat32(a, b) || ra < 2 || rb < 2) return why('float32 operands of rank ≥ 2 only')
    const M = a.shape[transposeA ? ra - 1 : ra - 2]!
    const K = a.shape[transposeA ? ra - 2 : ra - 1]!
    const N = b.shape[transposeB ? rb - 2 : rb - 1]!
    if (b.shape[transposeB ? rb - 1 : rb - 2] !== K) return why('inner dimensions differ')
    const batchA = sizeOf(a.shape.slice(0, -2))
    const batchB = sizeOf(b.shape.slice(0, -2))
    const batch = Math.max(batchA, batchB)
    if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return why('partly broadcast batch dimensions')
    if (M * N * K * batch === 0) return why('empty product')
    // Throws, with tfjs's message, on batch dimensions that do not broadcast.
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)).concat([M, N])
    const w = wasmOf(args.backend)
    const c = w.makeOutput(outShape, 'float32')
    const dims = Int32Array.of(batch, M, N, K, transposeA ? 1 : 0, transposeB ? 1 : 0, batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N)
    addon.gemm(heapOf(w), at(w, a), at(w, b), at(w, c), dims)
    return c
  }
}

export const matMulKernels: NativeKernel[] = [{ kernelName: tf.BatchMatMul, create: batchMatMul }]
