/**
 * The fused SGD-with-momentum update of core/sgd.ts for wasm: one pass over a parameter instead of
 * six kernels and their allocations, in our SIMD module (sgd.wat) with a JavaScript tail.
 * Both round every product and sum to float32 in the composed ops' order, so a run's numbers do
 * not depend on which path ran (tested bit for bit).
 */
import * as tf from '@tensorflow/tfjs'
import { SGD_MOMENTUM } from '../../../../core/sgd'
import { sgdMomentum } from '../../../threads/helperPool'
import { heapOffset } from './simd'
import { asWasm, f32, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

const f = Math.fround

function sgdMomentumKernelFunc(args: KernelArgs): tf.TensorInfo[] {
  const { theta, v, g } = args.inputs as Record<'theta' | 'v' | 'g', tf.TensorInfo>
  const { lr, momentum, weightDecay } = args.attrs as { lr: number; momentum: number; weightDecay: number }
  const w = asWasm(args.backend)
  for (const t of [theta, v, g]) {
    if (t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== tf.util.sizeFromShape(theta.shape)) {
      throw new Error(`${SGD_MOMENTUM} (wasm): theta, v and g must be float32 of one size, got ${t.dtype} [${t.shape}]`)
    }
  }
  const outTheta = w.makeOutput([...theta.shape], 'float32')
  const outV = w.makeOutput([...theta.shape], 'float32')
  const n = tf.util.sizeFromShape(theta.shape)
  // Whole groups of four in SIMD, in bands over the kernel helper threads where there are some
  // (threads/helperPool.ts); the rest, or all of it without the SIMD module, in JavaScript.
  const groups = n - (n % 4)
  const bulk =
    groups > 0 &&
    sgdMomentum(
      w,
      heapOffset(w, theta.dataId),
      heapOffset(w, v.dataId),
      heapOffset(w, g.dataId),
      heapOffset(w, outTheta.dataId),
      heapOffset(w, outV.dataId),
      groups,
      lr,
      momentum,
      weightDecay,
    )
      ? groups
      : 0
  const [th, vv, gg, ot, ov] = [theta, v, g, outTheta, outV].map((t) => f32(w, t)) as Float32Array[]
  const [lr32, mu32, wd32] = [f(lr), f(momentum), f(weightDecay)]
  for (let i = bulk; i < n; i++) {
    const gw = f(gg![i]! + f(th![i]! * wd32))
    const nv = f(f(vv![i]! * mu32) + gw)
    ov![i] = nv
    ot![i] = f(th![i]! - f(nv * lr32))
  }
  return [outTheta, outV]
}

export const sgdMomentumKernel: WasmKernel = {
  kernelName: SGD_MOMENTUM,
  override: false,
  create: (): WasmKernelFunc => sgdMomentumKernelFunc as unknown as WasmKernelFunc,
}
