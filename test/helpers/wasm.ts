import * as tf from '@tensorflow/tfjs'
// Side effect: registers the 'wasm' backend and its kernels with the shared tfjs-core engine.
import '@tensorflow/tfjs-backend-wasm'
export { relErr } from './tolerance'

/**
 * Switches tfjs to the wasm backend and proves it happened: tf.setBackend resolves false
 * (and tfjs stays on cpu) instead of rejecting when the .wasm binary cannot be loaded.
 *
 * No setWasmPaths call is needed under Node/vitest: the package's `main` is its Node bundle,
 * which locates tfjs-backend-wasm*.wasm next to itself in node_modules/.../dist/.
 */
export async function initWasmBackend(): Promise<void> {
  const ok = await tf.setBackend('wasm')
  await tf.ready()
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new Error(`tf.setBackend('wasm') failed: backend is '${tf.getBackend()}'`)
  }
}

/** Seeded uniform values in [-1, 1), so failures reproduce. */
export function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

/** Tensors, engine bytes and raw wasm buffers (which our kernels' scratch uses untracked). */
export function wasmMemorySnapshot(): { numTensors: number; numBytes: number; dataIds: number } {
  const backend = tf.engine().findBackend('wasm') as unknown as { numDataIds(): number }
  const { numTensors, numBytes } = tf.memory()
  return { numTensors, numBytes, dataIds: backend.numDataIds() }
}

/** Runs fn on wasm and throws if it leaves a tensor, an engine byte or a wasm buffer behind. */
export function withoutLeaks<T>(fn: () => T): T {
  if (tf.getBackend() !== 'wasm') throw new Error(`expected wasm, on ${tf.getBackend()}`)
  const before = wasmMemorySnapshot()
  const out = fn()
  const after = wasmMemorySnapshot()
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    throw new Error(`leak: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`)
  }
  return out
}

/** Runs fn on the cpu backend, then switches back to wasm. */
export async function onCpu<T>(fn: () => T): Promise<T> {
  await tf.setBackend('cpu')
  try {
    return fn()
  } finally {
    await tf.setBackend('wasm')
  }
}

/** One kernel through the engine on the current backend; returns its values. */
export function runKernelValues(
  kernel: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Float32Array {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {}
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, v.values instanceof Int32Array ? 'int32' : 'float32')
    const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor
    return out.dataSync() as Float32Array
  })
}

/** The values of the tensor fn makes, read outside tf.tidy (which would walk a typed array it
 * returned element by element). */
export function valuesOf(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn)
  const v = t.dataSync() as Float32Array
  t.dispose()
  return v
}
