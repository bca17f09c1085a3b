/**
 * Picks the TensorFlow.js backend inside the trainer worker: tfjs-node-gpu → tfjs-node → wasm →
 * cpu, or the one forced by config / SPLINE_LAB_BACKEND. Every choice is verified with
 * tf.getBackend(), because a failed setBackend silently leaves tfjs on `cpu` (≈100× slower).
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { BackendAttempt, BackendInfo } from '../contract/api'
import { registerWasmKernels } from './kernels'
import { initWasmWithThreads, wantedWasmThreads } from './kernels/wasmThreads'

type Candidate = { name: string; backend: string; load: () => Promise<void> }

const localRequire = createRequire(import.meta.url)

const CANDIDATES: Candidate[] = [
  { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node-gpu') },
  { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node') },
  { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', load: loadWasm },
  { name: 'cpu (plain JavaScript)', backend: 'cpu', load: async () => {} },
]

let customKernels: string[] = []

export async function selectBackend(requested: string): Promise<BackendInfo> {
  const attempts: BackendAttempt[] = []
  const wanted = requested === 'auto' ? null : requested
  for (const c of CANDIDATES) {
    if (wanted && c.backend !== wanted) continue
    try {
      await c.load()
      if (!(await tf.setBackend(c.backend)) || tf.getBackend() !== c.backend) {
        throw new Error(`tf.setBackend('${c.backend}') did not take effect (still '${tf.getBackend()}')`)
      }
      await tf.ready()
      attempts.push({ candidate: c.name, ok: true })
      return { backend: tf.getBackend(), requested, attempts, tfjsVersion: tf.version.tfjs, customKernels }
    } catch (err) {
      attempts.push({ candidate: c.name, ok: false, reason: firstLine(err) })
    }
  }
  if (wanted) {
    const why = attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')
    throw new Error(`backend '${wanted}' is not available (${why || 'unknown backend'})`)
  }
  throw new Error('no TensorFlow.js backend could be initialised')
}

/** Switches an already initialised worker to another registered backend, verified. */
export async function switchBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return
  if (name === 'wasm') await loadWasm()
  if (!(await tf.setBackend(name)) || tf.getBackend() !== name) {
    throw new Error(`backend '${name}' is not available in this trainer (running on '${tf.getBackend()}')`)
  }
}

async function importOptional(pkg: string): Promise<void> {
  try {
    localRequire.resolve(pkg)
  } catch {
    throw new Error('not installed (optional dependency)')
  }
  await import(/* @vite-ignore */ pkg)
}

let wasmLoaded = false
async function loadWasm(): Promise<void> {
  if (wasmLoaded) return
  const wasm = await import('@tensorflow/tfjs-backend-wasm')
  // In Node the emscripten loader needs a real directory for the .wasm binaries.
  const dist = join(dirname(localRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
  wasm.setWasmPaths(dist)
  customKernels = registerWasmKernels()
  // Two wasm threads train 12–35 % faster on 2 idle cores (docs/performance.md). This starts the
  // backend itself; on any failure it falls back to the single-threaded binary, which the
  // caller's tf.setBackend('wasm') then starts (kernels/wasmThreads.ts).
  const threads = wantedWasmThreads()
  if (threads > 1) await initWasmWithThreads(wasm, threads)
  wasmLoaded = true
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.split('\n')[0]!.slice(0, 300)
}
