/**
 * The registration list of our kernels for the wasm backend, one op per file beside it: the ones
 * it lacks (Conv2DBackpropFilter, the fused training BatchNorm that core/batchNorm.ts uses where a
 * backend has it, the fused SGD update and loss) and overrides of stock kernels that are slow
 * (transposed matmuls, Conv2DBackpropInput, Tile, copying Identity and Cast) or disagree with
 * `cpu` (MaxPoolGrad ties, float32 Sum/Mean accumulation). Each is tested against `cpu` in
 * test/unit/worker/backends/wasm/kernels/<Op>.test.ts; rerun those on every tfjs upgrade, since
 * the overrides lean on wasm internals (heap layout, XNNPACK's operator cache keyed by tensor id).
 * What each buys, and what was tried and dropped: docs/performance.md.
 *
 * The kernel registry is global to the process and outlives module reloads, so the state lives
 * on the registered configs themselves: each carries a marker and the stock config it replaced.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelProvider } from '../../types'
import { batchMatMulKernel } from './BatchMatMul'
import { castKernel } from './Cast'
import { conv2DBackpropFilterKernel } from './Conv2DBackpropFilter'
import { conv2DBackpropInputKernel } from './Conv2DBackpropInput'
import { batchNormTrainGradKernel, batchNormTrainKernel } from './FusedBatchNorm'
import { identityKernel } from './Identity'
import { maxPoolGradKernel } from './MaxPoolGrad'
import { meanKernel } from './Mean'
import { sgdMomentumKernel } from './SgdMomentum'
import { softmaxCrossEntropyKernel } from './SoftmaxCrossEntropy'
import { sumKernel } from './Sum'
import { tileKernel } from './Tile'
import { BACKEND, type WasmKernel } from './util'

const KERNELS: WasmKernel[] = [
  conv2DBackpropFilterKernel,
  batchMatMulKernel,
  conv2DBackpropInputKernel,
  maxPoolGradKernel,
  sumKernel,
  meanKernel,
  tileKernel,
  identityKernel,
  castKernel,
  batchNormTrainKernel,
  batchNormTrainGradKernel,
  sgdMomentumKernel,
  softmaxCrossEntropyKernel,
]

/** Names of all our wasm kernels, in registration order. */
export const WASM_KERNEL_NAMES: readonly string[] = KERNELS.map((k) => k.kernelName)

const MARK = Symbol.for('spline-lab.wasmKernel')

type Ours = tf.KernelConfig & { [MARK]: { stock: tf.KernelConfig | undefined } }

function ours(name: string): Ours | undefined {
  const k = tf.getKernel(name, BACKEND) as Ours | undefined
  return k !== undefined && MARK in k ? k : undefined
}

/**
 * Registers our wasm kernels (all, or those named), before or after the wasm backend is
 * initialised. Safe to call repeatedly: a kernel already ours is left alone, and a missing-kernel
 * fill-in is skipped where the backend (a future tfjs) has its own. Returns the names registered
 * by this call.
 */
export function registerWasmKernels(names: readonly string[] = WASM_KERNEL_NAMES): string[] {
  const added: string[] = []
  for (const kernel of KERNELS) {
    if (!names.includes(kernel.kernelName) || ours(kernel.kernelName)) continue
    const stock = tf.getKernel(kernel.kernelName, BACKEND)
    if (stock !== undefined && !kernel.override) continue
    if (stock === undefined && kernel.override) continue // nothing to build on in this tfjs
    const config: Ours = {
      kernelName: kernel.kernelName,
      backendName: BACKEND,
      kernelFunc: kernel.create(stock) as unknown as tf.KernelFunc,
      // The stock kernel's setup binds its C entry point; keep it so that delegating works
      // when we register before the backend is initialised.
      setupFunc: stock?.setupFunc,
      disposeFunc: stock?.disposeFunc,
      [MARK]: { stock },
    }
    // registerKernel warns on (and refuses to be quiet about) an existing key: remove it first.
    if (stock !== undefined) tf.unregisterKernel(kernel.kernelName, BACKEND)
    tf.registerKernel(config)
    added.push(kernel.kernelName)
  }
  return added
}

/** Puts the stock kernels back (for benchmarks and tests). Returns the names restored. */
export function unregisterWasmKernels(names: readonly string[] = WASM_KERNEL_NAMES): string[] {
  const removed: string[] = []
  for (const name of names) {
    const k = ours(name)
    if (k === undefined) continue
    tf.unregisterKernel(name, BACKEND)
    if (k[MARK].stock !== undefined) tf.registerKernel(k[MARK].stock)
    removed.push(name)
  }
  return removed
}

/** Our kernels currently registered. */
export function activeWasmKernels(): string[] {
  return WASM_KERNEL_NAMES.filter((n) => ours(n) !== undefined)
}

/** This list as the wasm backend's kernel provider (wasm/index.ts registers it on load). */
export const ourWasmKernels: KernelProvider = {
  name: 'spline-lab wasm kernels',
  kernelNames: WASM_KERNEL_NAMES,
  register: registerWasmKernels,
  unregister: unregisterWasmKernels,
  active: activeWasmKernels,
}
