/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on oneDNN (native/src/conv.cc), NHWC
 * activations and HWIO filters in place. The geometry is tfjs's own (computeConv2DInfo), so
 * 'same', 'valid', numeric and explicit pads and dimRoundingMode mean what they mean on `cpu`.
 */
import * as tf from '@tensorflow/tfjs'
import type { NativeAddon } from './addon'
import { at, disposeAll, fallback, heapOf, isFloat32, sameShape, sizeOf, wasmOf, type KernelArgs, type NativeKernel, type NativeKernelFunc } from './util'

type Shape4 = [number, number, number, number]

/**
 * The 17 integers conv.cc takes. oneDNN wants the bottom/right pads that make its output size
 * formula give tfjs's OH/OW exactly: more than tfjs's padInfo where 'ceil' rounding adds a row,
 * less (down to 1 − stride) where the last stride leaves input rows unread. Positions past the
 * input read as zeros either way, as on `cpu`.
 */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO, filterHeight: KH, filterWidth: KW } = info
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info
  const { top, left } = info.padInfo
  const bottom = (OH - 1) * sh + (KH - 1) * dh + 1 - H - top
  const right = (OW - 1) * sw + (KW - 1) * dw + 1 - W - left
  return Int32Array.of(N, H, W, CI, CO, KH, KW, OH, OW, sh, sw, dh, dw, top, left, bottom, right)
}

const nhwc = (dataFormat: string | undefined): boolean => dataFormat === undefined || dataFormat === 'NHWC'

function conv2D(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo }
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs
    const why = (r: string) => fallback(tf.Conv2D, previous, args, r)
    if (!isFloat32(x, filter)) return why(`float32 only, got ${x.dtype}/${filter.dtype}`)
    if (!nhwc(dataFormat) || x.shape.length !== 4 || filter.shape.length !== 4) return why('NHWC 4-D input and filter only')
    if (x.shape[3] !== filter.shape[2]) return why(`input channels ${x.shape[3]} ≠ filter's ${filter.shape[2]}`)
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false, 'channelsLast')
    const outShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
    if (sizeOf(outShape) === 0 || sizeOf(x.shape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const y = w.makeOutput(outShape, 'float32')
    if (addon.conv2d(heapOf(w), at(w, x), at(w, filter), at(w, y), convGeometry(info))) return y
    disposeAll(w, y)
    return why('oneDNN has no kernel for this geometry')
  }
}

function conv2DBackpropInput(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs
    const why = (r: string) => fallback(tf.Conv2DBackpropInput, previous, args, r)
    if (!isFloat32(dy, filter)) return why(`float32 only, got ${dy.dtype}/${filter.dtype}`)
    if (!nhwc(dataFormat) || filter.shape.length !== 4 || inputShape.length !== 4) return why('NHWC 4-D only')
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast')
    // A dy that disagrees with the geometry is the previous kernel's to report (or to handle).
    if (!sameShape(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels])) return why('dy does not match the conv output')
    if (sizeOf(dy.shape) === 0 || sizeOf(inputShape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const dx = w.makeOutput([...inputShape], 'float32')
    if (addon.conv2dBackwardData(heapOf(w), at(w, dy), at(w, filter), at(w, dx), convGeometry(info))) return dx
    disposeAll(w, dx)
    return why('oneDNN has no kernel for this geometry')
  }
}

function conv2DBackpropFilter(addon: NativeAddon, previous: NativeKernelFunc | null): NativeKernelFunc {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] }
    const why = (r: string) => fallback(tf.Conv2DBackpropFilter, previous, args, r)
    if (!isFloat32(x, dy)) return why(`float32 only, got ${x.dtype}/${dy.dtype}`)
    if (!nhwc(attrs.dataFormat) || x.shape.length !== 4 || attrs.filterShape.length !== 4) return why('NHWC 4-D only')
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape,
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    )
    if (!sameShape(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels])) return why('dy does not match the conv output')
    if (sizeOf(dy.shape) === 0 || sizeOf(x.shape) === 0) return why('empty tensor')
    const w = wasmOf(args.backend)
    const dw = w.makeOutput([...attrs.filterShape], 'float32')
    if (addon.conv2dBackwardWeights(heapOf(w), at(w, x), at(w, dy), at(w, dw), convGeometry(info))) return dw
    disposeAll(w, dw)
    return why('oneDNN has no kernel for this geometry')
  }
}

export const convKernels: NativeKernel[] = [
  { kernelName: tf.Conv2D, create: conv2D },
  { kernelName: tf.Conv2DBackpropInput, create: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, create: conv2DBackpropFilter },
]
