/**
 * What every backend of the trainer's chain is to the chain (index.ts): a name for the attempts
 * list, the tfjs backend it registers, a load that probes and starts it (or throws with the
 * reason the chain records), and what it reports once chosen. Adding a backend means one module
 * that exports such an object and one line in the chain.
 */
import type { BackendInfo } from '../../contract/api'

/** What a backend adds to BackendInfo: the fields beyond the chain's own. */
export type BackendCapabilities = Partial<Pick<BackendInfo, 'customKernels' | 'webgpu' | 'wasmThreads'>>

export interface Backend {
  /** what the attempts list and the messages call it ('@tensorflow/tfjs-node', 'webgpu (Dawn)') */
  name: string
  /** the tfjs backend name it registers */
  backend: string
  /** probes and loads what `tf.setBackend(backend)` needs; `forced` when the user named this backend */
  load(forced: boolean): Promise<void>
  /** undoes a load whose backend then failed (frees a GPU device) */
  abandon?(): Promise<void>
  /** what it reports once the chain has chosen `running` (this backend or another): our kernels,
   * the adapter it found, the threads it runs with */
  capabilities?(running: string): BackendCapabilities
  /** loads it in a trainer already running another backend, for a run whose config names it */
  loadForRun?(): Promise<void>
  /** frees what would keep the worker alive or hold a device (shutdown) */
  release?(): Promise<void>
}

/**
 * A set of kernels registered on a backend on top of its stock ones: ours on wasm
 * (wasm/kernels/registry.ts). A native library's set (oneDNN, OpenBLAS) registered on wasm is
 * another provider in wasm/index.ts's list, nothing else changes.
 */
export interface KernelProvider {
  /** who provides them, for messages */
  name: string
  /** every kernel it can register, in registration order */
  kernelNames: readonly string[]
  /** registers its kernels (all, or those named); returns the names this call registered */
  register(names?: readonly string[]): string[]
  /** puts the kernels it replaced back; returns the names restored */
  unregister(names?: readonly string[]): string[]
  /** its kernels registered now */
  active(): string[]
}
