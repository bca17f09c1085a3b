/**
 * Picks the TensorFlow.js backend inside the trainer worker: tfjs-node-gpu → tfjs-node → webgpu
 * (a real GPU only) → wasm → cpu, or the one forced by config / SPLINE_LAB_BACKEND. Every choice
 * is verified with tf.getBackend(), because a failed setBackend silently leaves tfjs on `cpu`
 * (≈100× slower). Each backend is a module of this folder behind types.ts's interface.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendAttempt, BackendInfo } from '../../contract/api'
import { cpuBackend } from './cpu'
import { tfjsNodeBackend, tfjsNodeGpuBackend } from './tensorflow'
import type { Backend } from './types'
import { wasmBackend } from './wasm'
import { dawnPlatform, webgpuBackend } from './webgpu'

export type { Backend, BackendCapabilities, KernelProvider } from './types'

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
  /** tried in order in auto mode; a forced backend only among those of its name */
  candidates: Backend[]
  engine: Engine
}

const defaultChain: Chain = {
  candidates: [tfjsNodeGpuBackend, tfjsNodeBackend, webgpuBackend(dawnPlatform), wasmBackend, cpuBackend],
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
      return describe(engine, requested, attempts, chain.candidates)
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

/** BackendInfo: the chain's record, and what each backend reports (kernels, adapter, threads). */
function describe(engine: Engine, requested: string, attempts: BackendAttempt[], candidates: Backend[]): BackendInfo {
  const backend = engine.getBackend()
  const reported = candidates.map((c) => c.capabilities?.(backend) ?? {})
  const webgpu = reported.find((r) => r.webgpu)?.webgpu
  const wasmThreads = reported.find((r) => r.wasmThreads)?.wasmThreads
  return {
    backend,
    requested,
    attempts,
    tfjsVersion: engine.version,
    customKernels: reported.flatMap((r) => r.customKernels ?? []),
    ...(webgpu ? { webgpu } : {}),
    ...(wasmThreads ? { wasmThreads } : {}),
  }
}

/** Switches an already initialised worker to another backend (a run's config), verified. */
export async function switchBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return
  for (const c of defaultChain.candidates) if (c.backend === name) await c.loadForRun?.()
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name) {
    throw new Error(`backend '${name}' is not available in this trainer (running on '${tf.getBackend()}')`)
  }
}

/**
 * Frees what keeps a trainer worker alive or holds a device: the WebGPU device and navigator.gpu.
 * The worker calls it when told to shut down, once no run is using the backend.
 */
export async function releaseBackend(): Promise<void> {
  for (const c of defaultChain.candidates) await c.release?.()
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.split('\n')[0]!.slice(0, 300)
}
