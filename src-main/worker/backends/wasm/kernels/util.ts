/**
 * Shared plumbing for our wasm kernels. They work on the wasm heap directly and reuse the stock
 * kernels (XNNPACK matmul/conv, the C transpose) for the arithmetic that wasm does fast.
 *
 * Heap views: any allocation (makeOutput) may grow the wasm memory, which detaches every view
 * taken before it. Kernels therefore allocate first and take views afterwards.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

export const BACKEND = 'wasm'

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap
  backend: tf.KernelBackend
  attrs?: tf.NamedAttrMap
}

export type WasmKernelFunc = (args: KernelArgs) => tf.TensorInfo

/**
 * One of our kernels. `override` kernels replace a stock wasm kernel and receive it (to delegate
 * the cases they do not improve); the others fill a gap in the stock backend and are registered
 * only where none exists.
 */
export interface WasmKernel {
  kernelName: string
  override: boolean
  create(stock: tf.KernelConfig | undefined): WasmKernelFunc
}

export function asWasm(backend: tf.KernelBackend): BackendWasm {
  return backend as unknown as BackendWasm
}

export function f32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array
}

/** A TensorInfo over existing data with another shape: no copy and no reference taken, so it
 * must only be passed as an input and never disposed. */
export function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype }
}

/** Runs the kernel currently registered for wasm (ours or stock) on raw TensorInfos. */
export function runKernel(name: string, args: KernelArgs): tf.TensorInfo {
  const k = tf.getKernel(name, BACKEND)
  if (k === undefined) throw new Error(`no wasm kernel ${name}`)
  return k.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo
}

/** [.., r, c] → [.., c, r] with the stock C transpose (1–2 ns/element, far below the matmul). */
export function transposeLast2(backend: tf.KernelBackend, x: tf.TensorInfo, batch: number): tf.TensorInfo {
  const r = x.shape[x.shape.length - 2]!
  const c = x.shape[x.shape.length - 1]!
  return runKernel(tf.Transpose, {
    inputs: { x: view(x, [batch, r, c]) },
    backend,
    attrs: { perm: [0, 2, 1] },
  })
}

export function dispose(backend: tf.KernelBackend, ...infos: (tf.TensorInfo | null | undefined)[]): void {
  for (const info of infos) if (info) asWasm(backend).disposeData(info.dataId)
}
