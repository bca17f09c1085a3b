/**
 * The measuring side of `npm run bench`, run in a fresh child process per configuration so that
 * the backend, its kernels and its thread count are set up exactly once (a wasm module cannot
 * change its thread pool after start) and no configuration inherits another's heap.
 */
import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import type { Network } from '../src-main/core/network'
import type { SgdMomentum } from '../src-main/core/sgd'
import { localStep, type TrainStep } from '../src-main/core/step'
import { activeWasmKernels, registerWasmKernels } from '../src-main/worker/backends/wasm/kernels/registry'
import { setGemmThreads } from '../src-main/worker/threads/helperPool'
import { initWasmWithThreads } from '../src-main/worker/threads/threadedWasm'
import { createParallelStep } from '../src-main/worker/parallel/parallelStep'
import { CLASSES, createModel, makeBatches, type ModelName } from './models'

/**
 * How a configuration trains a batch: the name of a TrainStep factory. Configurations cross
 * process boundaries as JSON, so the hook is a name looked up here; a data-parallel step (or any
 * other TrainStep) becomes a row by adding its factory and naming it in a configuration.
 */
export type StepFactory = (network: Network, optimizer: SgdMomentum, featureSize: number, classes: number, batch: number) => TrainStep | Promise<TrainStep>

/** The data-parallel step over `workers` trainer workers; a fallback to one would mislabel the row. */
const parallel =
  (workers: number): StepFactory =>
  async (network, optimizer, featureSize, numClasses, batchSize) => {
    const step = await createParallelStep({ network, optimizer, featureSize, numClasses, batchSize, workers })
    if (step.fallbackReason !== null) {
      await step.close()
      throw new Error(`the ${workers}-worker step fell back to one worker: ${step.fallbackReason}`)
    }
    return step
  }

/** Trainer workers behind a STEPS key: N for 'parallel-N', 1 for the local step. */
export function stepWorkers(step: string | undefined): number {
  return Number(/^parallel-(\d+)$/.exec(step ?? '')?.[1] ?? 1)
}

export const STEPS: Record<string, StepFactory> = {
  local: localStep,
  'parallel-2': parallel(2),
}

export interface RunConfig {
  /** row label in the table */
  label: string
  backend: 'wasm' | 'cpu'
  /** our wasm kernels to register ('Conv2DBackpropFilter' alone is stock wasm made able to train a CNN) */
  kernels: string[]
  threads: number
  /** threads of our dense products (worker/threads/helperPool.ts); absent: 1 */
  gemmThreads?: number
  /** key of STEPS; absent: 'local' (the trainer's own step) */
  step?: string
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
  /** trainable parameters of the Network (compared with PyTorch's count) */
  params: number
}

export interface RunResult {
  config: RunConfig
  backend: string
  threads: number
  threadsNote?: string
  kernels: string[]
  results: ModelResult[]
}

export async function setUp(config: Pick<RunConfig, 'backend' | 'kernels' | 'threads' | 'gemmThreads'>): Promise<{ threads: number; note?: string }> {
  if (config.backend === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not start')
    return { threads: 1 }
  }
  registerWasmKernels(config.kernels)
  let threads = 1
  let note: string | undefined
  const gemm = config.gemmThreads ?? 1
  setGemmThreads(gemm)
  if (config.threads > 1 || gemm > 1) {
    const s = await initWasmWithThreads(wasm, config.threads, { sharedMemory: gemm > 1 })
    threads = s.threads
    note = s.reason
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start')
  await tf.ready()
  return { threads, ...(note ? { note } : {}) }
}

export function stepFactory(name: string | undefined): StepFactory {
  const factory = STEPS[name ?? 'local']
  if (!factory) throw new Error(`unknown train step '${name}' (known: ${Object.keys(STEPS).join(', ')})`)
  return factory
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export async function measureModel(name: ModelName, config: RunConfig): Promise<ModelResult> {
  const model = createModel(name)
  const step = await stepFactory(config.step)(model.network, model.optimizer, model.featureSize, CLASSES, config.batch)
  const batches = makeBatches(model.featureSize, config.batch)
  let i = 0
  const run = async (n: number): Promise<number> => {
    const t0 = performance.now()
    for (let s = 0; s < n; s++) {
      const b = batches[i++ % batches.length]!
      // Awaited as the engine awaits it; the step reads loss and hits back every batch, as in
      // training, so that sync is timed too.
      await step.run(b.x, b.y, config.batch)
    }
    return performance.now() - t0
  }
  try {
    // Warm up (XNNPACK operator creation, heap growth, JIT), then size windows from its pace.
    let warmMs = await run(1)
    let warmSteps = 1
    while (warmMs < config.warmupSeconds * 1000) {
      const n = Math.max(1, Math.ceil(warmSteps / 2))
      warmMs += await run(n)
      warmSteps += n
    }
    const stepsPerWindow = Math.max(1, Math.round((config.windowSeconds * 1000) / (warmMs / warmSteps)))
    const rates: number[] = []
    for (let w = 0; w < config.windows; w++) rates.push((stepsPerWindow * config.batch * 1000) / (await run(stepsPerWindow)))
    const sps = median(rates)
    return { model: name, samplesPerSec: sps, windows: rates, stepsPerWindow, msPerStep: (config.batch * 1000) / sps, params: model.network.paramCount() }
  } finally {
    step.dispose()
    model.dispose()
  }
}

export async function runChild(config: RunConfig): Promise<RunResult> {
  const { threads, note } = await setUp(config)
  const results: ModelResult[] = []
  for (const m of config.models) {
    const tensorsBefore = tf.memory().numTensors
    results.push(await measureModel(m, config))
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
  const step = localStep(model.network, model.optimizer, model.featureSize, CLASSES)
  const [b] = makeBatches(model.featureSize, batch, 1)
  const once = (): void => {
    step.run(b!.x, b!.y, batch)
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
  step.dispose()
  model.dispose()
  return [...by.values()].sort((x, y) => y.ms - x.ms)
}
