/**
 * Identity for wasm without a copy (Cast.ts does the same for a cast to the same dtype).
 *
 * Autodiff clones every tensor it saves for the backward pass (Identity), and tf.moments casts
 * its input to float32 even when it already is (Cast); stock wasm copies the whole buffer each
 * time, ~15 activation-sized copies per step of the bench cnn. Like the cpu backend's Identity
 * and wasm's own Reshape, we share the buffer and count a reference instead: tensor data is
 * immutable on this backend (every kernel writes a fresh output), so sharing is unobservable.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

/** x's buffer as a new tensor: one more reference, no copy. */
export function shareBuffer(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo }
  asWasm(args.backend).incRef(x.dataId)
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype }
}

function create(stock: tf.KernelConfig | undefined): WasmKernelFunc {
  if (stock === undefined) throw new Error('Identity (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === 'string') return stockFn(args)
    return shareBuffer(args)
  }
}

export const identityKernel: WasmKernel = { kernelName: tf.Identity, override: true, create }
