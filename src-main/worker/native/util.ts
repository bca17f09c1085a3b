/**
 * Plumbing the native kernels share: the wasm backend's heap and tensor offsets (the addon works
 * on them in place), and falling back to the kernel registered before ours.
 *
 * Any allocation (makeOutput) may grow the wasm memory and replace its buffer, so kernels
 * allocate their outputs first and take the heap afterwards, right before the native call.
 */
import type * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { NativeAddon } from './addon'

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap
  backend: tf.KernelBackend
  attrs?: tf.NamedAttrMap
}

export type NativeKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]

/**
 * One native kernel, made from the addon and the kernel registered for its name before (stock or
 * our wasm one), which it calls for the cases it does not take (another dtype or layout, a
 * geometry oneDNN rejects); null where none was registered.
 */
export interface NativeKernel {
  kernelName: string
  create(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc
}

export function wasmOf(backend: tf.KernelBackend): BackendWasm {
  return backend as unknown as BackendWasm
}

/** The whole wasm heap (emscripten keeps HEAPU8 current when the memory grows; the backend's own
 * typedArrayFromHeap reads it too, though its type does not declare it). */
export function heapOf(w: BackendWasm): Uint8Array {
  return (w.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8
}

/** Byte offset of a tensor's data in the heap. */
export function at(w: BackendWasm, info: tf.TensorInfo): number {
  return w.getMemoryOffset(info.dataId)
}

export function isFloat32(...infos: tf.TensorInfo[]): boolean {
  return infos.every((t) => t.dtype === 'float32')
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function disposeAll(w: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const t of infos) w.disposeData(t.dataId)
}

/** The previous kernel's answer; without one, a one-line error saying why ours did not apply. */
export function fallback(name: string, previous: NativeKernelFunc | null, args: KernelArgs, why: string): tf.TensorInfo | tf.TensorInfo[] {
  if (previous === null) throw new Error(`${name} (native): ${why}, and no other kernel is registered for it`)
  return previous(args)
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
