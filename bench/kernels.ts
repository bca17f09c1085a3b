/**
 * Per-kernel view for `npm run bench`: each of our wasm kernels against the stock wasm kernel at
 * the sizes the bench models run, time (median ms) and max relative error vs `cpu`; plus the
 * whole-gradient error of each model vs `cpu` with stock and with our kernels.
 */
import * as tf from '@tensorflow/tfjs'
import { registerWasmKernels, unregisterWasmKernels, WASM_KERNEL_NAMES } from '../src-main/worker/backends/wasm/kernels/registry'
import { CLASSES, createModel, makeBatches, seeded, type ModelName } from './models'
import { relErr } from '../test/helpers/tolerance'

export interface KernelRow {
  kernel: string
  label: string
  stockMs: number | null
  oursMs: number
  stockErr: number | null
  oursErr: number
}

interface Case {
  kernel: string
  label: string
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: tf.DataType }>
  attrs: Record<string, unknown>
}

const relu = (v: Float32Array): Float32Array => v.map((x) => Math.max(0, x))
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1)
const t = (shape: number[], seed: number, f: (v: Float32Array) => Float32Array = (v) => v) => ({ shape, values: f(seeded(size(shape), seed)) })

function cases(): Case[] {
  const mm = (label: string, a: number[], b: number[], transposeA: boolean, transposeB: boolean): Case => ({
    kernel: tf.BatchMatMul,
    label,
    inputs: { a: t(a, 1), b: t(b, 2) },
    attrs: { transposeA, transposeB },
  })
  const pool = (x: number[]): Case => {
    const y = [x[0]!, x[1]! / 2, x[2]! / 2, x[3]!]
    return {
      kernel: tf.MaxPoolGrad,
      label: `${x.join('×')} 2×2/2 (ReLU input: ties)`,
      // cpu ignores `output`; wasm too; pass a correctly shaped one.
      inputs: { dy: t(y, 3), input: t(x, 4, relu), output: t(y, 5) },
      attrs: { filterSize: 2, strides: 2, pad: 'valid' },
    }
  }
  const red = (kernel: string, shape: number[], axis: number[]): Case => ({
    kernel,
    label: `${shape.join('×')} axes ${axis.join(',')}`,
    inputs: { x: t(shape, 6) },
    attrs: { axis, keepDims: false },
  })
  return [
    mm('mlp dW1 = xᵀ·dy  [784×64]·[64×512]', [64, 784], [64, 512], true, false),
    mm('mlp dX2 = dy·Wᵀ  [64×512]·[512×512]', [64, 512], [512, 512], false, true),
    mm('mlp dW2 = hᵀ·dy  [512×64]·[64×512]', [64, 512], [64, 512], true, false),
    mm('mlp dX3 = dy·Wᵀ  [64×10]·[10×512]', [64, 10], [512, 10], false, true),
    mm('mlp dW3 = hᵀ·dy  [512×64]·[64×10]', [64, 512], [64, 10], true, false),
    mm('cnn fc dW = hᵀ·dy [1568×64]·[64×10]', [64, 1568], [64, 10], true, false),
    mm('cnn fc dX = dy·Wᵀ [64×10]·[10×1568]', [64, 10], [1568, 10], false, true),
    {
      kernel: tf.Conv2DBackpropInput,
      label: 'cnn conv2 dx: dy 64×14×14×32, W 3×3×16×32',
      inputs: { dy: t([64, 14, 14, 32], 7), filter: t([3, 3, 16, 32], 8) },
      attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 14, 14, 16] },
    },
    {
      kernel: tf.Conv2DBackpropFilter,
      label: 'cnn conv2 dW: x 64×14×14×16, dy 64×14×14×32',
      inputs: { x: t([64, 14, 14, 16], 9), dy: t([64, 14, 14, 32], 10) },
      attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] },
    },
    pool([64, 28, 28, 16]),
    pool([64, 14, 14, 32]),
    red(tf.Sum, [64, 28, 28, 16], [0, 1, 2]),
    red(tf.Sum, [64, 14, 14, 32], [0, 1, 2]),
    red(tf.Sum, [64, 512], [0]),
    red(tf.Sum, [64, 10], [1]),
    red(tf.Mean, [64, 28, 28, 16], [0, 1, 2]),
    red(tf.Mean, [64, 14, 14, 32], [0, 1, 2]),
    { kernel: tf.Identity, label: '64×28×28×16 (autodiff saves)', inputs: { x: t([64, 28, 28, 16], 18) }, attrs: {} },
    { kernel: tf.Cast, label: '64×28×28×16 float32 → float32 (tf.moments)', inputs: { x: t([64, 28, 28, 16], 19) }, attrs: { dtype: 'float32' } },
    {
      kernel: tf.Tile,
      label: '1×1×1×16 → 64×28×28×16 (BN gradient)',
      inputs: { x: t([1, 1, 1, 16], 11) },
      attrs: { reps: [64, 28, 28, 1] },
    },
    {
      kernel: tf.Tile,
      label: '1×1×1×32 → 64×14×14×32 (BN gradient)',
      inputs: { x: t([1, 1, 1, 32], 12) },
      attrs: { reps: [64, 14, 14, 1] },
    },
  ]
}

function exec(c: Case, inputs: tf.NamedTensorMap): tf.Tensor[] {
  return [tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor]
}

function run(c: Case): Float32Array {
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {}
    for (const [k, v] of Object.entries(c.inputs)) inputs[k] = tf.tensor(v.values, v.shape, v.dtype)
    return tf.concat(exec(c, inputs).map((o) => tf.reshape(o, [-1]))).dataSync() as Float32Array
  })
}

const useStock = (): void => {
  unregisterWasmKernels(WASM_KERNEL_NAMES.filter((n) => !FILL_INS.includes(n)))
  registerWasmKernels(FILL_INS)
}

/** Median ms of stock and of ours, measured in alternating rounds so that a change in machine
 * load hits both alike. */
function timeBoth(c: Case, withStock: boolean): { stockMs: number | null; oursMs: number } {
  const inputs: tf.NamedTensorMap = {}
  for (const [k, v] of Object.entries(c.inputs)) inputs[k] = tf.tensor(v.values, v.shape, v.dtype)
  try {
    const once = (): number => {
      const t0 = performance.now()
      tf.dispose(tf.tidy(() => exec(c, inputs)))
      return performance.now() - t0
    }
    const stock: number[] = []
    const ours: number[] = []
    const until = performance.now() + 600
    for (let round = 0; round < 40 && (round < 4 || performance.now() < until); round++) {
      for (const [list, setUpKernels] of [
        [ours, () => registerWasmKernels()],
        [stock, useStock],
      ] as const) {
        if (list === stock && !withStock) continue
        setUpKernels()
        once() // first call after a switch pays for operator set-up: not counted
        for (let i = 0; i < 3; i++) list.push(once())
      }
    }
    registerWasmKernels()
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1]!
    return { stockMs: withStock ? median(stock) : null, oursMs: median(ours) }
  } finally {
    tf.dispose(Object.values(inputs))
  }
}

const FILL_INS = ['Conv2DBackpropFilter']

/** Needs the wasm and cpu backends registered; leaves wasm current with all our kernels. */
export async function kernelBench(): Promise<KernelRow[]> {
  const all = cases()
  await tf.setBackend('cpu')
  const ref = all.map(run)
  await tf.setBackend('wasm')
  const rows: KernelRow[] = []
  for (const [i, c] of all.entries()) {
    useStock()
    const hasStock = !FILL_INS.includes(c.kernel)
    const stockErr = hasStock ? relErr(run(c), ref[i]!) : null
    registerWasmKernels()
    const oursErr = relErr(run(c), ref[i]!)
    rows.push({ kernel: c.kernel, label: c.label, ...timeBoth(c, hasStock), stockErr, oursErr })
  }
  return rows
}

export interface GradRow {
  model: ModelName
  stockErr: number
  oursErr: number
}

/** Max over parameters of the relative gradient error vs cpu, stock wasm vs ours. */
export async function gradientErrors(models: readonly ModelName[]): Promise<GradRow[]> {
  // The same seed gives the same initial weights on every backend.
  const grads = (name: ModelName): Float32Array[] => {
    const m = createModel(name)
    const [b] = makeBatches(m.featureSize, 64, 1)
    const vars = [...m.network.trainable.values()]
    const out = tf.tidy(() => {
      const x = tf.tensor2d(b!.x, [64, m.featureSize])
      const onehot = tf.oneHot(tf.tensor1d(b!.y, 'int32'), CLASSES)
      const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(onehot, m.network.forward(x, true).logits) as tf.Scalar, vars)
      return vars.map((v) => g[v.name]!.dataSync() as Float32Array)
    })
    m.network.discardBatchStats()
    m.dispose()
    return out
  }
  const rows: GradRow[] = []
  for (const name of models) {
    await tf.setBackend('cpu')
    const ref = grads(name)
    await tf.setBackend('wasm')
    unregisterWasmKernels(WASM_KERNEL_NAMES.filter((n) => !FILL_INS.includes(n)))
    const stock = grads(name)
    registerWasmKernels()
    const ours = grads(name)
    const worst = (g: Float32Array[]): number => Math.max(...g.map((v, j) => relErr(v, ref[j]!)))
    rows.push({ model: name, stockErr: worst(stock), oursErr: worst(ours) })
  }
  return rows
}
