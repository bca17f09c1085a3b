/**
 * Picks the TensorFlow.js backend inside the trainer worker: tfjs-node-gpu → tfjs-node → webgpu
 * (a real GPU only) → wasm → cpu, or the one forced by config / SPLINE_LAB_BACKEND. Every choice
 * is verified with tf.getBackend(), because a failed setBackend silently leaves tfjs on `cpu`
 * (≈100× slower).
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { BackendAttempt, BackendInfo, WasmThreadsInfo } from '../contract/api'
import { registerWasmKernels } from './kernels'
import { effectiveGemmThreads, setGemmThreads, wantedGemmThreads } from './kernels/gemmThreads'
import { initWasmWithThreads, wantedWasmThreads, wasmThreadsState } from './kernels/wasmThreads'
import { setting } from '../settings/settings'
import { dawnPlatform, prepareWebgpu, type WebgpuLoad, type WebgpuPlatform } from './webgpu'

export interface Candidate {
  name: string
  backend: string
  /** loads what `tf.setBackend(backend)` needs; `forced` when the user named this backend */
  load: (forced: boolean) => Promise<void>
  /** undoes a load whose backend then failed (frees a GPU device) */
  abandon?: () => Promise<void>
}

/** The tfjs calls the chain makes; tests hand in fakes. */
export interface Engine {
  setBackend(name: string): Promise<boolean>
  getBackend(): string
  ready(): Promise<void>
  version: string
  /** smoke test on the new backend: one op read back synchronously, as the trainer reads */
  check(): void
}

export interface Chain {
  candidates: Candidate[]
  engine: Engine
  /** filled by the webgpu candidate */
  webgpu: WebgpuLoad
}

const localRequire = createRequire(import.meta.url)

let customKernels: string[] = []
let wasmLoaded = false
let gemmThreadsWanted: number | null = null

/** Threads our dense products may use in this thread's wasm, set before it loads (replicas of a
 * data-parallel step ask for 1: the other cores are the other replicas'). Default: all cores. */
export function setWasmGemmThreads(n: number): void {
  gemmThreadsWanted = n
}

const webgpuLoad: WebgpuLoad = {}

export function webgpuCandidate(platform: WebgpuPlatform, out: WebgpuLoad): Candidate {
  return {
    name: 'webgpu (Dawn)',
    backend: 'webgpu',
    load: (forced) => prepareWebgpu(platform, forced, out),
    abandon: () => platform.release(),
  }
}

const defaultChain: Chain = {
  candidates: [
    { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node-gpu') },
    { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node') },
    webgpuCandidate(dawnPlatform, webgpuLoad),
    { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', load: loadWasm },
    { name: 'cpu (plain JavaScript)', backend: 'cpu', load: async () => {} },
  ],
  engine: {
    setBackend: (name) => tf.setBackend(name),
    getBackend: () => tf.getBackend(),
    ready: () => tf.ready(),
    version: tf.version.tfjs,
    check: () => {
      const sum = tf.tidy(() => tf.sum(tf.add(tf.range(0, 4), 1)).dataSync()[0])
      if (sum !== 10) throw new Error(`sum(1..4) read back as ${sum}`)
    },
  },
  webgpu: webgpuLoad,
}

export async function selectBackend(requested: string, chain: Chain = defaultChain): Promise<BackendInfo> {
  const { engine } = chain
  const attempts: BackendAttempt[] = []
  const wanted = requested === 'auto' ? null : requested
  for (const c of chain.candidates) {
    if (wanted && c.backend !== wanted) continue
    let loaded = false
    try {
      await c.load(wanted !== null)
      loaded = true
      if (!(await engine.setBackend(c.backend)) || engine.getBackend() !== c.backend) {
        throw new Error(`tf.setBackend('${c.backend}') did not take effect (still '${engine.getBackend()}')`)
      }
      await engine.ready()
      engine.check()
      attempts.push({ candidate: c.name, ok: true })
      return describe(engine, requested, attempts, chain.webgpu)
    } catch (err) {
      attempts.push({ candidate: c.name, ok: false, reason: firstLine(err) })
      if (loaded) await c.abandon?.().catch(() => {})
    }
  }
  if (wanted) {
    const why = attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')
    throw new Error(`backend '${wanted}' is not available (${why || 'unknown backend'})`)
  }
  throw new Error('no TensorFlow.js backend could be initialised')
}

function describe(engine: Engine, requested: string, attempts: BackendAttempt[], webgpu: WebgpuLoad): BackendInfo {
  const backend = engine.getBackend()
  return {
    backend,
    requested,
    attempts,
    tfjsVersion: engine.version,
    customKernels,
    ...(webgpu.adapter ? { webgpu: { ...webgpu.adapter } } : {}),
    ...(backend === 'wasm' && wasmLoaded ? { wasmThreads: wasmThreadsInfo() } : {}),
  }
}

/** Switches an already initialised worker to another backend (a run's config), verified. */
export async function switchBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return
  if (name === 'wasm') await loadWasm()
  if (name === 'webgpu' && !tf.findBackendFactory('webgpu')) await prepareWebgpu(dawnPlatform, true, webgpuLoad)
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name) {
    throw new Error(`backend '${name}' is not available in this trainer (running on '${tf.getBackend()}')`)
  }
}

/**
 * Frees what keeps a trainer worker alive or holds a device: the WebGPU device and navigator.gpu.
 * The worker calls it when told to shut down, once no run is using the backend.
 */
export async function releaseBackend(): Promise<void> {
  await dawnPlatform.release()
}

/** Threads XNNPACK runs with now, as kernels/wasmThreads.ts recorded them. */
function wasmThreadsInfo(): WasmThreadsInfo {
  const s = wasmThreadsState()
  const gemmThreads = effectiveGemmThreads(tf.backend() as unknown as BackendWasm)
  // wasmThreads.ts only records a state when the threaded binary was asked for.
  if (s.reason === 'not initialised') return { requested: 1, threads: 1, gemmThreads, reason: 'one thread requested (SPLINE_LAB_WASM_THREADS)' }
  return { requested: s.requested, threads: s.threads, gemmThreads, ...(s.reason ? { reason: s.reason } : {}) }
}

async function importOptional(pkg: string): Promise<void> {
  try {
    localRequire.resolve(pkg)
  } catch {
    throw new Error('not installed (optional dependency)')
  }
  await import(/* @vite-ignore */ pkg)
}

async function loadWasm(): Promise<void> {
  if (wasmLoaded) return
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // In Node the emscripten loader needs a real directory for the .wasm binaries.
  const dist = join(dirname(localRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
  wasm.setWasmPaths(dist)
  customKernels = registerWasmKernels()
  // XNNPACK threads stay opt-in (they spin, and lose when other work shares the cores); our
  // dense products use the other cores through helper threads, which need the threaded binary's
  // shared memory, so that binary starts with one XNNPACK thread. On any failure it falls back
  // to the single-threaded binary, which the caller's tf.setBackend('wasm') then starts, and the
  // products run on this thread alone (kernels/wasmThreads.ts, kernels/gemmThreads.ts).
  const threads = wantedWasmThreads(setting('wasmThreads'))
  const gemm = gemmThreadsWanted ?? wantedGemmThreads()
  setGemmThreads(gemm)
  if (threads > 1 || gemm > 1) await initWasmWithThreads(wasm, threads, { sharedMemory: gemm > 1 })
  wasmLoaded = true
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.split('\n')[0]!.slice(0, 300)
}
