/**
 * Identity, and Cast to the same dtype, for wasm without a copy; Cast to bool done right.
 *
 * Autodiff clones every tensor it saves for the backward pass (Identity), and tf.moments casts
 * its input to float32 even when it already is (Cast); stock wasm copies the whole buffer each
 * time, ~15 activation-sized copies per step of the bench cnn. Like the cpu backend's Identity
 * and wasm's own Reshape, we share the buffer and count a reference instead: tensor data is
 * immutable on this backend (every kernel writes a fresh output), so sharing is unobservable.
 *
 * Stock wasm casts to bool by a typed-array copy, which truncates: 0.5 → false, 256 → false and
 * 2 → a bool byte of 2. cpu (and TensorFlow) cast x to x ≠ 0.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

function share(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo }
  asWasm(args.backend).incRef(x.dataId)
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype }
}

function toBool(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo }
  const w = asWasm(args.backend)
  const out = w.makeOutput([...x.shape], 'bool')
  const src = w.typedArrayFromHeap(x) as Float32Array | Int32Array
  const dst = w.typedArrayFromHeap(out) as Uint8Array
  for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0
  return out
}

function create(stock: tf.KernelConfig | undefined, cast: boolean): WasmKernelFunc {
  if (stock === undefined) throw new Error('Identity/Cast (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const to = cast ? (args.attrs as unknown as tf.CastAttrs).dtype : x.dtype
    if (x.dtype === 'string') return stockFn(args)
    if (to === x.dtype) return share(args)
    if (to === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return toBool(args)
    return stockFn(args)
  }
}

export const identityKernel: WasmKernel = { kernelName: tf.Identity, override: true, create: (s) => create(s, false) }
export const castKernel: WasmKernel = { kernelName: tf.Cast, override: true, create: (s) => create(s, true) }
