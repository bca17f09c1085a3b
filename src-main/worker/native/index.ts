/**
 * The native CPU path as a kernel provider: oneDNN and BLAS kernels (native/) registered for a
 * wasm-type backend, working on its tensors in place. Not used by the product yet; the backend
 * that adopts them registers our wasm kernels first (the native ones fall back to whatever was
 * registered before them, and their MaxPoolGrad relies on the wasm Identity sharing data ids)
 * and then calls registerNativeKernels, with the thread count it chose (setNativeThreads).
 *
 * Like the wasm kernels, the state lives on the registered configs (the registry is global to the
 * process and outlives module reloads): each carries a marker and the config it replaced.
 */
import * as tf from '@tensorflow/tfjs'
import type { NativeAddon, NativeThreads } from './addon'
import { batchNormKernels } from './batchNorm'
import { convKernels } from './conv'
import { loadNative } from './loader'
import { matMulKernels } from './matMul'
import { poolKernels } from './pool'
import type { NativeKernel, NativeKernelFunc } from './util'

export { loadNative, type NativeLoad } from './loader'
export type { NativeAddon, NativeInfo, NativeThreads } from './addon'

export const NATIVE_KERNELS: readonly NativeKernel[] = [...convKernels, ...poolKernels, ...batchNormKernels, ...matMulKernels]

/** Names of all native kernels, in registration order. */
export const NATIVE_KERNEL_NAMES: readonly string[] = NATIVE_KERNELS.map((k) => k.kernelName)

const MARK = Symbol.for('spline-lab.nativeKernel')

type Ours = tf.KernelConfig & { [MARK]: { previous: tf.KernelConfig | undefined } }

function ours(name: string, backendName: string): Ours | undefined {
  const k = tf.getKernel(name, backendName) as Ours | undefined
  return k !== undefined && MARK in k ? k : undefined
}

export interface NativeRegistration {
  /** kernels this call registered */
  registered: string[]
  /** why none were, where the addon is unavailable */
  reason?: string
}

/**
 * Registers the native kernels (all, or those named) for `backendName`, a backend whose tensors
 * live in a wasm heap (tfjs-backend-wasm's). Safe to call repeatedly: a kernel already native is
 * left alone. Where the addon is not available nothing is registered and `reason` says why.
 */
export function registerNativeKernels(backendName = 'wasm', names: readonly string[] = NATIVE_KERNEL_NAMES, addon?: NativeAddon): NativeRegistration {
  let lib = addon
  if (lib === undefined) {
    const loaded = loadNative()
    if (!loaded.ok) return { registered: [], reason: loaded.reason }
    lib = loaded.addon
  }
  const registered: string[] = []
  for (const kernel of NATIVE_KERNELS) {
    if (!names.includes(kernel.kernelName) || ours(kernel.kernelName, backendName)) continue
    const previous = tf.getKernel(kernel.kernelName, backendName)
    const config: Ours = {
      kernelName: kernel.kernelName,
      backendName,
      kernelFunc: kernel.create(lib, previous ? (previous.kernelFunc as unknown as NativeKernelFunc) : null) as unknown as tf.KernelFunc,
      // The previous kernel's setup binds its C entry points; keep it so that falling back works
      // when we register before the backend is initialised.
      setupFunc: previous?.setupFunc,
      disposeFunc: previous?.disposeFunc,
      [MARK]: { previous },
    }
    if (previous !== undefined) tf.unregisterKernel(kernel.kernelName, backendName)
    tf.registerKernel(config)
    registered.push(kernel.kernelName)
  }
  return { registered }
}

/** Puts back the kernels the native ones replaced (for benchmarks and tests). Returns the names. */
export function unregisterNativeKernels(backendName = 'wasm', names: readonly string[] = NATIVE_KERNEL_NAMES): string[] {
  const removed: string[] = []
  for (const name of names) {
    const k = ours(name, backendName)
    if (k === undefined) continue
    tf.unregisterKernel(name, backendName)
    if (k[MARK].previous !== undefined) tf.registerKernel(k[MARK].previous)
    removed.push(name)
  }
  return removed
}

/** Native kernels currently registered for `backendName`. */
export function activeNativeKernels(backendName = 'wasm'): string[] {
  return NATIVE_KERNEL_NAMES.filter((n) => ours(n, backendName) !== undefined)
}

/**
 * One thread count for oneDNN (OpenMP), our loops and BLAS, applied from the next kernel call on
 * every JavaScript thread; returns what the libraries run with on this thread. Null where the
 * addon is unavailable.
 */
export function setNativeThreads(n: number): NativeThreads | null {
  const loaded = loadNative()
  return loaded.ok ? loaded.addon.setThreads(n) : null
}
