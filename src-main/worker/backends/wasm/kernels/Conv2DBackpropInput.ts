/**
 * Conv2DBackpropInput for wasm as a forward convolution, which wasm runs through XNNPACK.
 *
 * Stock wasm runs a naive 7-deep C loop (52 ms for the bench cnn's conv2). dx is the "full"
 * correlation of dy with the filter rotated by 180° and its in/out channels swapped, so we build
 * that filter, spread dy out by the stride (zeros between rows/columns when stride > 1), pad it
 * by kernel − 1 − pad and call the stock Conv2D: 4.6 ms. The alternative, dy·Wᵀ through our
 * matmul then col2im scatter-add in JS, measured 11.6 ms (the scatter dominates) and was dropped.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, dispose, f32, runKernel, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

function geometry(args: KernelArgs) {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropInput (wasm): only NHWC is supported, got ${dataFormat}`)
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  )
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `Conv2DBackpropInput (wasm): dy shape [${dy.shape}] does not match the conv output ` +
        `[${expected}] for input [${inputShape}], filter [${filter.shape}]`,
    )
  }
  return { dy, filter, info }
}

function backpropInput(stockFn: WasmKernelFunc, args: KernelArgs): tf.TensorInfo {
  const { dy, filter, info } = geometry(args)
  const w = asWasm(args.backend)
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW } = info
  const { filterHeight: KH, filterWidth: KW, outChannels: CO, strideHeight: sh, strideWidth: sw } = info
  const { top, left } = info.padInfo
  const Hd = (OH - 1) * sh + 1
  const Wd = (OW - 1) * sw + 1
  const pt = KH - 1 - top
  const pl = KW - 1 - left
  const pb = H + KH - 1 - Hd - pt
  const pr = W + KW - 1 - Wd - pl
  // Explicit padding beyond the kernel's reach would need cropping: rare, left to stock.
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return stockFn(args)
  const wf = w.makeOutput([KH, KW, CO, CI], 'float32')
  const dyd = sh === 1 && sw === 1 ? null : w.makeOutput([N, Hd, Wd, CO], 'float32')
  const f = f32(w, filter)
  const g = f32(w, wf)
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let ci = 0; ci < CI; ci++)
        for (let co = 0; co < CO; co++) g[((kh * KW + kw) * CO + co) * CI + ci] = f[(((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI + ci) * CO + co]
  if (dyd !== null) {
    const d = f32(w, dyd)
    const s = f32(w, dy)
    d.fill(0)
    for (let n = 0; n < N; n++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const src = ((n * OH + oh) * OW + ow) * CO
          d.set(s.subarray(src, src + CO), ((n * Hd + oh * sh) * Wd + ow * sw) * CO)
        }
  }
  const out = runKernel(tf.Conv2D, {
    inputs: { x: dyd ?? dy, filter: wf },
    backend: args.backend,
    attrs: {
      strides: 1,
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: 1,
    } as unknown as tf.NamedAttrMap,
  })
  dispose(args.backend, wf, dyd)
  return out
}

function create(stock: tf.KernelConfig | undefined): WasmKernelFunc {
  if (stock === undefined) throw new Error('Conv2DBackpropInput (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args) => backpropInput(stockFn, args)
}

export const conv2DBackpropInputKernel: WasmKernel = { kernelName: tf.Conv2DBackpropInput, override: true, create }
