/**
 * The chain's wasm backend: @tensorflow/tfjs-backend-wasm with the kernel sets of
 * WASM_KERNEL_PROVIDERS registered on top (ours: kernels/registry.ts), started on tfjs's threaded
 * binary where our dense products get helper threads (threads/).
 */
import { setting } from '../../../settings/settings'
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { WasmThreadsInfo } from '../../../contract/api'
import { effectiveGemmThreads, setGemmThreads, wantedGemmThreads } from '../../threads/helperPool'
import { initWasmWithThreads, wantedWasmThreads, wasmThreadsState } from '../../threads/threadedWasm'
import type { Backend, KernelProvider } from '../types'
import { ourWasmKernels } from './kernels/registry'

/**
 * The kernel sets registered on wasm when it loads, in this order; BackendInfo.customKernels lists
 * what they registered. A set registered later finds an earlier set's kernel of the same name as
 * the one it replaces.
 */
export const WASM_KERNEL_PROVIDERS: readonly KernelProvider[] = [ourWasmKernels]

const localRequire = createRequire(import.meta.url)

let customKernels: string[] = []
let wasmLoaded = false
let gemmThreadsWanted: number | null = null

/** Threads our dense products may use in this thread's wasm, set before it loads (replicas of a
 * data-parallel step ask for 1: the other cores are the other replicas'). Default: all cores. */
export function setWasmGemmThreads(n: number): void {
  gemmThreadsWanted = n
}

export const wasmBackend: Backend = {
  name: '@tensorflow/tfjs-backend-wasm',
  backend: 'wasm',
  load: loadWasm,
  capabilities: (running) => ({ customKernels, ...(running === 'wasm' && wasmLoaded ? { wasmThreads: wasmThreadsInfo() } : {}) }),
  loadForRun: loadWasm,
}

/** Threads XNNPACK runs with now, as threads/threadedWasm.ts recorded them. */
function wasmThreadsInfo(): WasmThreadsInfo {
  const s = wasmThreadsState()
  const gemmThreads = effectiveGemmThreads(tf.backend() as unknown as BackendWasm)
  // threadedWasm.ts only records a state when the threaded binary was asked for.
  if (s.reason === 'not initialised') return { requested: 1, threads: 1, gemmThreads, reason: 'one thread requested (SPLINE_LAB_WASM_THREADS)' }
  return { requested: s.requested, threads: s.threads, gemmThreads, ...(s.reason ? { reason: s.reason } : {}) }
}

async function loadWasm(): Promise<void> {
  if (wasmLoaded) return
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // In Node the emscripten loader needs a real directory for the .wasm binaries.
  const dist = join(dirname(localRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
  wasm.setWasmPaths(dist)
  customKernels = WASM_KERNEL_PROVIDERS.flatMap((p) => p.register())
  // XNNPACK threads stay opt-in (they spin, and lose when other work shares the cores); our
  // dense products use the other cores through helper threads, which need the threaded binary's
  // shared memory, so that binary starts with one XNNPACK thread. On any failure it falls back
  // to the single-threaded binary, which the caller's tf.setBackend('wasm') then starts, and the
  // products run on this thread alone (threads/threadedWasm.ts, threads/helperPool.ts).
  const threads = wantedWasmThreads(setting('wasmThreads'))
  const gemm = gemmThreadsWanted ?? wantedGemmThreads()
  setGemmThreads(gemm)
  if (threads > 1 || gemm > 1) await initWasmWithThreads(wasm, threads, { sharedMemory: gemm > 1 })
  wasmLoaded = true
}
