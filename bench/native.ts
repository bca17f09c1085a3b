/**
 * `npm run bench:native`: the native kernels (native/, oneDNN + BLAS) against our wasm kernels,
 * per kernel at the shapes the bench models run (batch 64) and per training step of each model,
 * on the threaded wasm binary's shared heap as the trainer uses it. Each row alternates its
 * configurations round by round, so that a change in machine load hits all of them alike; the
 * figures are medians. Native threads are OpenMP's and BLAS's together (setThreads); "dnnl gemm"
 * runs the products on oneDNN's sgemm (OpenMP's pool) instead of OpenBLAS's own threads.
 *
 * Flags: --quick (fewer rounds), --no-steps, --no-kernels, --models mlp,cnn,vgg11.
 */
import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { localStep } from '../src-main/core/step'
import { registerWasmKernels } from '../src-main/worker/backends/wasm/kernels/registry'
import { setGemmThreads } from '../src-main/worker/threads/helperPool'
import { initWasmWithThreads } from '../src-main/worker/threads/threadedWasm'
import { loadNative, registerNativeKernels, unregisterNativeKernels, type NativeAddon } from '../src-main/worker/native'
import { CLASSES, createModel, makeBatches, seeded, type ModelName } from './models'
import { relErr } from '../test/helpers/tolerance'

const BATCH = 64

interface Config {
  label: string
  /** native threads; 0: the wasm kernels alone */
  native: number
  gemm?: 'blas' | 'dnnl'
  /** our wasm dense products' helper threads (kernels/gemmThreads.ts) */
  wasmGemmThreads?: number
}

const KERNEL_CONFIGS: Config[] = [
  { label: 'wasm ours', native: 0 },
  { label: 'native ×1', native: 1 },
  { label: 'native ×2', native: 2 },
]
/** Products also on oneDNN's sgemm, single-threaded: against OpenBLAS's kernels for this CPU. */
const DNNL_GEMM: Config = { label: 'dnnl gemm ×1', native: 1, gemm: 'dnnl' }
const configsFor = (c: Case): Config[] => (c.kernel === tf.BatchMatMul ? [...KERNEL_CONFIGS, DNNL_GEMM] : KERNEL_CONFIGS)

const STEP_CONFIGS: Config[] = [
  { label: 'wasm ours, 1 thread', native: 0, wasmGemmThreads: 1 },
  { label: 'wasm ours, products on 2 threads', native: 0, wasmGemmThreads: 2 },
  { label: 'native ×1', native: 1, gemm: 'blas' },
  { label: 'native ×2 (OpenBLAS)', native: 2, gemm: 'blas' },
  { label: 'native ×2 (dnnl gemm)', native: 2, gemm: 'dnnl' },
]

function apply(addon: NativeAddon, c: Config): void {
  setGemmThreads(c.wasmGemmThreads ?? 1)
  if (c.native === 0) {
    unregisterNativeKernels()
    return
  }
  addon.setThreads(c.native)
  addon.setGemmEngine(c.gemm ?? 'blas')
  registerNativeKernels('wasm', undefined, addon)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

interface Case {
  kernel: string
  label: string
  inputs: Record<string, number[]>
  attrs: Record<string, unknown>
  relu?: string[]
  /** what to run instead of the kernel alone */
  run?: (inputs: tf.NamedTensorMap) => tf.Tensor[]
}

const conv = (label: string, x: number[], f: number[], stride = 1, pad: unknown = 'same'): Case[] => {
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], stride, 1, pad as 'same')
  const dy = [x[0]!, info.outHeight, info.outWidth, f[3]!]
  const attrs = { strides: stride, pad, dataFormat: 'NHWC' }
  return [
    { kernel: tf.Conv2D, label: `${label} y`, inputs: { x, filter: f }, attrs: { ...attrs, dilations: 1 }, relu: ['x'] },
    { kernel: tf.Conv2DBackpropInput, label: `${label} dx`, inputs: { dy, filter: f }, attrs: { ...attrs, inputShape: x } },
    { kernel: tf.Conv2DBackpropFilter, label: `${label} dW`, inputs: { x, dy }, attrs: { ...attrs, filterShape: f }, relu: ['x'] },
  ]
}
const pool = (label: string, x: number[]): Case[] => {
  const y = [x[0]!, x[1]! / 2, x[2]! / 2, x[3]!]
  const attrs = { filterSize: 2, strides: 2, pad: 'valid' }
  return [
    { kernel: tf.MaxPool, label: `${label} maxpool`, inputs: { x }, attrs, relu: ['x'] },
    { kernel: tf.MaxPoolGrad, label: `${label} maxpool dx (no workspace: loop)`, inputs: { dy: y, input: x, output: y }, attrs, relu: ['input'] },
    {
      kernel: 'autodiff',
      label: `${label} maxpool y + dx (workspace)`,
      inputs: { x, w: y },
      attrs,
      relu: ['x'],
      run: (i) => [tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), i.w!)))(i.x!))],
    },
  ]
}
const bn = (label: string, x: number[]): Case[] => {
  const C = [x.at(-1)!]
  return [
    { kernel: 'SplineLabBatchNormTrain', label: `${label} BN`, inputs: { x, gamma: C, beta: C }, attrs: { epsilon: 1e-5 } },
    { kernel: 'SplineLabBatchNormTrainGrad', label: `${label} BN grad`, inputs: { dy: x, x, gamma: C, invStd: C }, attrs: {} },
  ]
}
const mm = (label: string, a: number[], b: number[], transposeA: boolean, transposeB: boolean): Case => ({
  kernel: tf.BatchMatMul,
  label,
  inputs: { a, b },
  attrs: { transposeA, transposeB },
})

function cases(models: readonly ModelName[]): Case[] {
  const out: Case[] = []
  if (models.includes('mlp')) {
    out.push(
      mm('mlp fc1 y = x·W [64×784]·[784×512]', [64, 784], [784, 512], false, false),
      mm('mlp fc1 dW = xᵀ·dy', [64, 784], [64, 512], true, false),
      mm('mlp fc2 y = h·W [64×512]·[512×512]', [64, 512], [512, 512], false, false),
      mm('mlp fc2 dX = dy·Wᵀ', [64, 512], [512, 512], false, true),
      mm('mlp fc2 dW = hᵀ·dy', [64, 512], [64, 512], true, false),
      mm('mlp fc3 dX = dy·Wᵀ [64×10]·[10×512]', [64, 10], [512, 10], false, true),
    )
  }
  if (models.includes('cnn')) {
    out.push(
      ...conv('cnn conv1 28×28 1→16', [BATCH, 28, 28, 1], [3, 3, 1, 16]),
      ...bn('cnn 28×28×16', [BATCH, 28, 28, 16]),
      ...pool('cnn 28×28×16', [BATCH, 28, 28, 16]),
    )
    out.push(
      ...conv('cnn conv2 14×14 16→32', [BATCH, 14, 14, 16], [3, 3, 16, 32]),
      ...bn('cnn 14×14×32', [BATCH, 14, 14, 32]),
      ...pool('cnn 14×14×32', [BATCH, 14, 14, 32]),
    )
    out.push(mm('cnn fc dW = hᵀ·dy [1568×64]·[64×10]', [BATCH, 1568], [BATCH, 10], true, false))
  }
  if (models.includes('vgg11')) {
    const pad1 = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]
    out.push(...conv('vgg conv1 32×32 3→16', [BATCH, 32, 32, 3], [3, 3, 3, 16], 1, pad1))
    out.push(...conv('vgg conv2 16×16 16→32', [BATCH, 16, 16, 16], [3, 3, 16, 32], 1, pad1))
    out.push(...conv('vgg conv4 8×8 64→64', [BATCH, 8, 8, 64], [3, 3, 64, 64], 1, pad1))
    out.push(...conv('vgg conv6 4×4 128→128', [BATCH, 4, 4, 128], [3, 3, 128, 128], 1, pad1))
    out.push(...conv('vgg conv8 2×2 128→128', [BATCH, 2, 2, 128], [3, 3, 128, 128], 1, pad1))
    out.push(...bn('vgg 32×32×16', [BATCH, 32, 32, 16]), ...pool('vgg 32×32×16', [BATCH, 32, 32, 16]))
  }
  return out
}

function tensors(c: Case): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {}
  let seed = 1
  for (const [name, shape] of Object.entries(c.inputs)) {
    const n = shape.reduce((a, b) => a * b, 1)
    let v = seeded(n, seed++)
    if (name === 'invStd' || name === 'gamma') v = v.map((x) => 1 + x / 2)
    if (c.relu?.includes(name)) v = v.map((x) => Math.max(0, x))
    out[name] = tf.tensor(v, shape)
  }
  return out
}

const exec = (c: Case, inputs: tf.NamedTensorMap): tf.Tensor[] => {
  if (c.run) return c.run(inputs)
  const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap)
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor]
}

interface KernelRow {
  label: string
  ms: Record<string, number>
  err: number
}

function kernelRow(addon: NativeAddon, c: Case, rounds: number): KernelRow {
  const inputs = tensors(c)
  try {
    const configs = configsFor(c)
    const results: Float32Array[] = []
    for (const cfg of configs) {
      apply(addon, cfg)
      results.push(tf.tidy(() => tf.concat(exec(c, inputs).map((t) => tf.reshape(t, [-1]))).dataSync() as Float32Array))
    }
    const times: Record<string, number[]> = Object.fromEntries(configs.map((k) => [k.label, []]))
    for (let r = 0; r < rounds; r++) {
      for (const cfg of configs) {
        apply(addon, cfg)
        tf.dispose(exec(c, inputs)) // first call after a switch sets operators up: not counted
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now()
          tf.dispose(exec(c, inputs))
          times[cfg.label]!.push(performance.now() - t0)
        }
      }
    }
    const err = Math.max(...results.slice(1).map((r) => relErr(r, results[0]!)))
    return { label: `${c.kernel} ${c.label}`, ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])), err }
  } finally {
    tf.dispose(Object.values(inputs))
  }
}

interface StepRow {
  model: ModelName
  samplesPerSec: Record<string, number>
}

async function stepRow(addon: NativeAddon, name: ModelName, rounds: number): Promise<StepRow> {
  const model = createModel(name)
  const step = localStep(model.network, model.optimizer, model.featureSize, CLASSES)
  const batches = makeBatches(model.featureSize, BATCH)
  let i = 0
  const run = (n: number): number => {
    const t0 = performance.now()
    for (let s = 0; s < n; s++) {
      const b = batches[i++ % batches.length]!
      step.run(b.x, b.y, BATCH)
    }
    return performance.now() - t0
  }
  const rates: Record<string, number[]> = Object.fromEntries(STEP_CONFIGS.map((c) => [c.label, []]))
  try {
    for (let r = 0; r < rounds; r++) {
      for (const cfg of STEP_CONFIGS) {
        apply(addon, cfg)
        const warm = run(3) / 3
        const n = Math.max(3, Math.round(800 / warm))
        rates[cfg.label]!.push((n * BATCH * 1000) / run(n))
      }
    }
  } finally {
    step.dispose()
    model.dispose()
  }
  return { model: name, samplesPerSec: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)])) }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s)

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, 'no-steps': { type: 'boolean' }, 'no-kernels': { type: 'boolean' }, models: { type: 'string' } },
  })
  const models = (values.models ?? 'mlp,cnn,vgg11').split(',') as ModelName[]
  const loaded = loadNative()
  if (!loaded.ok) {
    console.log(`native kernels unavailable: ${loaded.reason}`)
    return
  }
  const addon = loaded.addon
  const threads = await initWasmWithThreads(wasm, 1, { sharedMemory: true })
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start')
  await tf.ready()
  registerWasmKernels()
  const { info } = loaded
  console.log(`native: oneDNN ${info.dnnl} (${info.isa}, ${info.dnnlRuntime}); ${info.blas}`)
  console.log(
    `wasm heap shared: ${threads.reason === undefined}; cores ${os.availableParallelism()}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  const rounds = values.quick ? 2 : 5

  if (!values['no-kernels']) {
    console.log(`\nper kernel, batch ${BATCH}: median ms (error vs wasm ours)`)
    console.log(`${pad('kernel', 72)}${[...KERNEL_CONFIGS, DNNL_GEMM].map((c) => lpad(c.label, 13)).join('')}   speed-up ×1 / ×2   max rel err`)
    for (const c of cases(models)) {
      const row = kernelRow(addon, c, rounds)
      const [w, n1, n2, d1] = [...KERNEL_CONFIGS, DNNL_GEMM].map((k) => row.ms[k.label])
      const cells = [w, n1, n2, d1].map((v) => lpad(v === undefined ? '–' : v.toFixed(3), 13)).join('')
      console.log(`${pad(row.label, 72)}${cells}   ${lpad((w! / n1!).toFixed(1), 6)} / ${lpad((w! / n2!).toFixed(1), 5)}   ${row.err.toExponential(1)}`)
    }
  }
  if (!values['no-steps']) {
    console.log(`\ntraining step (product's localStep, batch ${BATCH}): median samples/s`)
    console.log(`${pad('model', 8)}${STEP_CONFIGS.map((c) => lpad(c.label, 34)).join('')}`)
    for (const m of models) {
      const row = await stepRow(addon, m, values.quick ? 2 : 3)
      console.log(`${pad(m, 8)}${STEP_CONFIGS.map((c) => lpad(row.samplesPerSec[c.label]!.toFixed(0), 34)).join('')}`)
    }
  }
  apply(addon, KERNEL_CONFIGS[0]!)
  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  process.exit(0)
}

void main()
