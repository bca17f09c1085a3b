/**
 * The measuring side of `npm run bench`, run in a fresh child process per configuration so that
 * the backend, its kernels and its thread count are set up exactly once (a wasm module cannot
 * change its thread pool after start) and no configuration inherits another's heap.
 */
import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import { activeWasmKernels, registerWasmKernels } from '../src-main/worker/kernels'
import { initWasmWithThreads } from '../src-main/worker/kernels/wasmThreads'
import { createModel, makeBatches, type ModelName } from './models'

export interface RunConfig {
  /** row label in the table */
  label: string
  backend: 'wasm' | 'cpu'
  /** our wasm kernels to register ('Conv2DBackpropFilter' alone is stock wasm made able to train a CNN) */
  kernels: string[]
  threads: number
  models: ModelName[]
  batch: number
  /** seconds of warm-up, then `windows` windows of about `windowSeconds` each */
  warmupSeconds: number
  windows: number
  windowSeconds: number
}

export interface ModelResult {
  model: ModelName
  samplesPerSec: number
  windows: number[]
  stepsPerWindow: number
  msPerStep: number
}

export interface RunResult {
  config: RunConfig
  backend: string
  threads: number
  threadsNote?: string
  kernels: string[]
  results: ModelResult[]
}

export async function setUp(config: Pick<RunConfig, 'backend' | 'kernels' | 'threads'>): Promise<{ threads: number; note?: string }> {
  if (config.backend === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not start')
    return { threads: 1 }
  }
  registerWasmKernels(config.kernels)
  let threads = 1
  let note: string | undefined
  if (config.threads > 1) {
    const s = await initWasmWithThreads(wasm, config.threads)
    threads = s.threads
    note = s.reason
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start')
  await tf.ready()
  return { threads, ...(note ? { note } : {}) }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function measureModel(name: ModelName, config: RunConfig): ModelResult {
  const model = createModel(name)
  const batches = makeBatches(model, config.batch)
  const shape = [config.batch, ...model.inputShape]
  let i = 0
  const step = (): tf.Scalar => {
    const b = batches[i++ % batches.length]!
    return tf.tidy(() => model.step(tf.tensor(b.x, shape), tf.tensor1d(b.y, 'int32')))
  }
  const run = (n: number): number => {
    const t0 = performance.now()
    for (let s = 0; s < n; s++) {
      const loss = step()
      // Read the last loss only: the wasm backend is synchronous, and a read per step would add
      // a copy the trainer does not make.
      if (s === n - 1) loss.dataSync()
      loss.dispose()
    }
    return performance.now() - t0
  }
  // Warm up (XNNPACK operator creation, heap growth, JIT), then size windows from its pace.
  let warmMs = run(1)
  let warmSteps = 1
  while (warmMs < config.warmupSeconds * 1000) {
    const n = Math.max(1, Math.ceil(warmSteps / 2))
    warmMs += run(n)
    warmSteps += n
  }
  const msPerStepWarm = warmMs / warmSteps
  const stepsPerWindow = Math.max(1, Math.round((config.windowSeconds * 1000) / msPerStepWarm))
  const rates: number[] = []
  for (let w = 0; w < config.windows; w++) rates.push((stepsPerWindow * config.batch * 1000) / run(stepsPerWindow))
  model.dispose()
  const sps = median(rates)
  return { model: name, samplesPerSec: sps, windows: rates, stepsPerWindow, msPerStep: (config.batch * 1000) / sps }
}

export async function runChild(config: RunConfig): Promise<RunResult> {
  const { threads, note } = await setUp(config)
  const results: ModelResult[] = []
  for (const m of config.models) {
    const tensorsBefore = tf.memory().numTensors
    results.push(measureModel(m, config))
    const leaked = tf.memory().numTensors - tensorsBefore
    if (leaked !== 0) throw new Error(`${m} on ${config.label}: ${leaked} tensors leaked per run`)
  }
  return {
    config,
    backend: tf.getBackend(),
    threads,
    ...(note ? { threadsNote: note } : {}),
    kernels: config.backend === 'wasm' ? activeWasmKernels() : [],
    results,
  }
}

export interface KernelTime {
  kernel: string
  ms: number
  calls: number
}

/** Per-kernel time of one training step (after warm-up), largest first: where to look next. */
export async function profileModel(name: ModelName, batch: number): Promise<KernelTime[]> {
  const model = createModel(name)
  const [b] = makeBatches(model, batch, 1)
  const shape = [batch, ...model.inputShape]
  const once = (): void => {
    tf.tidy(() => model.step(tf.tensor(b!.x, shape), tf.tensor1d(b!.y, 'int32'))).dispose()
  }
  for (let i = 0; i < 3; i++) once()
  const info = await tf.profile(once)
  const by = new Map<string, KernelTime>()
  for (const k of info.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`
    const t = by.get(key) ?? { kernel: key, ms: 0, calls: 0 }
    t.ms += Number(await k.kernelTimeMs)
    t.calls++
    by.set(key, t)
  }
  model.dispose()
  return [...by.values()].sort((x, y) => y.ms - x.ms)
}
