/**
 * The native kernels for tests: the addon as the loader finds it, a suite name that carries the
 * loader's reason where it is unavailable (the suites then skip), and a counting wrapper so that
 * a test can tell the native path ran rather than a fallback. SPLINE_LAB_REQUIRE_NATIVE=1 (CI,
 * where .ci/run installs oneDNN and OpenBLAS) turns a missing addon into a failure.
 */
import * as tf from '@tensorflow/tfjs'
import { loadNative, registerNativeKernels, type NativeAddon } from '../../src-main/worker/native'
import { registerWasmKernels } from '../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend } from './wasm'

export const native = loadNative()

if (!native.ok && process.env.SPLINE_LAB_REQUIRE_NATIVE === '1') {
  throw new Error(`SPLINE_LAB_REQUIRE_NATIVE=1 but the native kernels are unavailable: ${native.reason}`)
}

export function suiteName(name: string): string {
  return native.ok ? name : `${name} (skipped: ${native.reason})`
}

/** Calls per addon function since the wrapper was made. */
export const calls: Record<string, number> = {}

function counting(addon: NativeAddon): NativeAddon {
  return new Proxy(addon, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function' || typeof prop !== 'string') return v
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

/** The wasm backend with our wasm kernels and the native ones on top, as a backend would set them up. */
export async function initNativeWasm(): Promise<NativeAddon> {
  if (!native.ok) throw new Error(native.reason)
  await initWasmBackend()
  registerWasmKernels()
  const addon = counting(native.addon)
  registerNativeKernels('wasm', undefined, addon)
  return addon
}

/** How often `fn` called the addon function `name`. */
export function callsOf(name: string, fn: () => void): number {
  const before = calls[name] ?? 0
  fn()
  return (calls[name] ?? 0) - before
}

/** Values of fn's tensor on the current backend. */
export function values(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn)
  const v = t.dataSync() as Float32Array
  t.dispose()
  return v
}
