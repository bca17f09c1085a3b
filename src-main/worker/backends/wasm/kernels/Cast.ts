/**
 * Cast for wasm: to the same dtype without a copy (as Identity.ts), to bool done right.
 *
 * tf.moments casts its input to float32 even when it already is; stock wasm copies the whole
 * buffer each time. Stock wasm casts to bool by a typed-array copy, which truncates: 0.5 → false,
 * 256 → false and 2 → a bool byte of 2. cpu (and TensorFlow) cast x to x ≠ 0.
 */
import * as tf from '@tensorflow/tfjs'
import { shareBuffer } from './Identity'
import { asWasm, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

function toBool(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo }
  const w = asWasm(args.backend)
  const out = w.makeOutput([...x.shape], 'bool')
  const src = w.typedArrayFromHeap(x) as Float32Array | Int32Array
  const dst = w.typedArrayFromHeap(out) as Uint8Array
  for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0
  return out
}

function create(stock: tf.KernelConfig | undefined): WasmKernelFunc {
  if (stock === undefined) throw new Error('Cast (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const to = (args.attrs as unknown as tf.CastAttrs).dtype
    if (x.dtype === 'string') return stockFn(args)
    if (to === x.dtype) return shareBuffer(args)
    if (to === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return toBool(args)
    return stockFn(args)
  }
}

export const castKernel: WasmKernel = { kernelName: tf.Cast, override: true, create }
