import * as tf from '@tensorflow/tfjs'
// Side effect: registers the 'wasm' backend and its kernels with the shared tfjs-core engine.
import '@tensorflow/tfjs-backend-wasm'

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
