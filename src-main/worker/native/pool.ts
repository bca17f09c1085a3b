/**
 * MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad on oneDNN (native/src/pool.cc), NHWC in place,
 * with `cpu`'s semantics: max ignores positions outside the input; the average divides by the
 * in-bounds count, while its gradient spreads dy by 1/(KH·KW) (as `cpu` does); max's gradient goes
 * to the first maximum in row-major window order, and nowhere from a window without one above −∞.
 *
 * MaxPoolGrad uses the workspace (argmax indices) that MaxPool saves while a gradient is being
 * recorded, found by the output's and input's data ids (our wasm Identity shares data ids, so the
 * tensors autodiff saves are the same ones); without it, or where a window has no maximum, it runs
 * the loop in pool.cc with `cpu`'s routing from x itself.
 */
import * as tf from '@tensorflow/tfjs'
import type { NativeAddon } from './addon'
import { at, disposeAll, fallback, heapOf, isFloat32, sameShape, sizeOf, wasmOf, type KernelArgs, type NativeKernel, type NativeKernelFunc } from './util'

type Shape4 = [number, number, number, number]

/** The 14 integers pool.cc takes; bottom/right pads as oneDNN's output size formula needs them. */
export function poolGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info
  const { effectiveFilterHeight: KH, effectiveFilterWidth: KW, strideHeight: sh, strideWidth: sw } = info
  const { top, left } = info.padInfo
  return Int32Array.of(N, H, W, C, OH, OW, KH, KW, sh, sw, top, left, (OH - 1) * sh + KH - H - top, (OW - 1) * sw + KW - W - left)
}

interface Saved {
  x: object
  geometry: string
  ws: ArrayBuffer
}

/** MaxPool workspaces by output data id; collected with the tensor. */
const workspaces = new WeakMap<object, Saved>()

const recording = (): boolean => tf.engine().state.gradientDepth > 0

interface PoolAttrs {
  filterSize: number | [number, number]
  strides: number | [number, number]
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

function poolInfo(x: tf.TensorInfo, a: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode)
}

function pool(name: string, alg: 0 | 1, addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const why = (r: string) => fallback(name, previous, args, r)
    if (!isFloat32(x) || x.shape.length !== 4) return why('float32 NHWC only')
    const info = poolInfo(x, args.attrs as unknown as PoolAttrs)
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
    if (sizeOf(outShape) === 0 || sizeOf(x.shape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const y = w.makeOutput(outShape, 'float32')
    const geom = poolGeometry(info)
    const done = addon.pool(heapOf(w), alg, at(w, x), at(w, y), geom, alg === 0 && recording())
    if (done === false) {
      disposeAll(w, y)
      return why('oneDNN has no kernel for this geometry')
    }
    if (done instanceof ArrayBuffer) workspaces.set(y.dataId, { x: x.dataId, geometry: geom.join(), ws: done })
    return y
  }
}

function maxPoolGrad(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { dy, input, output } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo }
    const why = (r: string) => fallback(tf.MaxPoolGrad, previous, args, r)
    if (!isFloat32(dy, input) || input.shape.length !== 4) return why('float32 NHWC only')
    const info = poolInfo(input, args.attrs as unknown as PoolAttrs)
    if (!sameShape(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels])) return why('dy does not match the pool output')
    if (sizeOf(dy.shape) === 0 || sizeOf(input.shape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const dx = w.makeOutput([...input.shape], 'float32')
    const geom = poolGeometry(info)
    const saved = output === undefined ? undefined : workspaces.get(output.dataId)
    const heap = heapOf(w)
    if (saved !== undefined && saved.x === input.dataId && saved.geometry === geom.join()) {
      if (addon.poolBackward(heap, 0, at(w, dy), at(w, dx), geom, saved.ws)) return dx
    }
    addon.maxPoolGradLoop(heap, at(w, input), at(w, dy), at(w, dx), geom)
    return dx
  }
}

function avgPoolGrad(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo }
    const why = (r: string) => fallback(tf.AvgPoolGrad, previous, args, r)
    if (!isFloat32(dy, input) || input.shape.length !== 4) return why('float32 NHWC only')
    const info = poolInfo(input, args.attrs as unknown as PoolAttrs)
    if (!sameShape(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels])) return why('dy does not match the pool output')
    if (sizeOf(dy.shape) === 0 || sizeOf(input.shape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const dx = w.makeOutput([...input.shape], 'float32')
    if (addon.poolBackward(heapOf(w), 2, at(w, dy), at(w, dx), poolGeometry(info), null)) return dx
    disposeAll(w, dx)
    return why('oneDNN has no kernel for this geometry')
  }
}

export const poolKernels: NativeKernel[] = [
  { kernelName: tf.MaxPool, create: (addon, previous) => pool(tf.MaxPool, 0, addon, previous) },
  { kernelName: tf.MaxPoolGrad, create: maxPoolGrad },
  { kernelName: tf.AvgPool, create: (addon, previous) => pool(tf.AvgPool, 1, addon, previous) },
  { kernelName: tf.AvgPoolGrad, create: avgPoolGrad },
]
