/**
 * Tile for wasm as block copies.
 *
 * Stock wasm computes a full multi-index per element (≈ 75 ns/element measured); the BN gradient
 * tiles 1/σ over every activation, so it showed up as a hot spot. Here each dim's block is built
 * once and then replicated by doubling copyWithin, which is memmove speed.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

type Heap = Float32Array | Int32Array | Uint8Array

/** Repeats dst[start, start+len) `times` times in place, doubling the copied span each step. */
function replicate(dst: Heap, start: number, len: number, times: number): void {
  const total = len * times
  for (let have = len; have < total; have *= 2) {
    dst.copyWithin(start + have, start, start + Math.min(have, total - have))
  }
}

function tileInto(src: Heap, dst: Heap, xShape: number[], reps: number[], d: number, s: number, o: number, srcStride: number[], dstStride: number[]): void {
  const n = xShape[d]!
  if (d === xShape.length - 1) {
    dst.set(src.subarray(s, s + n), o)
  } else {
    for (let i = 0; i < n; i++) {
      tileInto(src, dst, xShape, reps, d + 1, s + i * srcStride[d]!, o + i * dstStride[d]!, srcStride, dstStride)
    }
  }
  replicate(dst, o, n * dstStride[d]!, reps[d]!)
}

function create(stock: tf.KernelConfig | undefined): WasmKernelFunc {
  if (stock === undefined) throw new Error('Tile (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { reps } = args.attrs as unknown as tf.TileAttrs
    if (x.dtype === 'string' || x.shape.length === 0 || reps.length !== x.shape.length) return stockFn(args)
    const w = asWasm(args.backend)
    const outShape = x.shape.map((d, i) => d * reps[i]!)
    const out = w.makeOutput(outShape, x.dtype)
    if (tf.util.sizeFromShape(outShape) === 0) return out
    const src = w.typedArrayFromHeap(x) as Heap
    const dst = w.typedArrayFromHeap(out) as Heap
    const rank = x.shape.length
    const srcStride = new Array<number>(rank)
    const dstStride = new Array<number>(rank)
    for (let d = rank - 1, s = 1, t = 1; d >= 0; d--) {
      srcStride[d] = s
      dstStride[d] = t
      s *= x.shape[d]!
      t *= outShape[d]!
    }
    tileInto(src, dst, x.shape, reps, 0, 0, 0, srcStride, dstStride)
    return out
  }
}

export const tileKernel: WasmKernel = { kernelName: tf.Tile, override: true, create }
