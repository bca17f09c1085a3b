/**
 * Conv2DBackpropFilter for the wasm backend.
 *
 * @tensorflow/tfjs-backend-wasm 4.22.0 ships Conv2D and Conv2DBackpropInput but no
 * Conv2DBackpropFilter, so any conv net fails on its first backward pass there.
 *
 * dW = colsT @ dy2d, where colsT [KH*KW*CI, N*OH*OW] is the transposed im2col matrix of x.
 * colsT is built already transposed because the wasm BatchMatMul only reaches XNNPACK when
 * neither operand is transposed and the batch is 1 (measured: 22 ms vs ~250 ms with
 * transposeA or batch > 1 for a [144, 50176] @ [50176, 32] product).
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { BACKEND, dispose, transposeLast2, view, type WasmKernel, type WasmKernelFunc } from './util'

// colsT is N*OH*OW*KH*KW*CI floats; processing the batch in chunks caps that at 64 MiB so
// large inputs do not balloon the wasm heap (which never shrinks once grown).
const MAX_COLS_ELEMENTS = 1 << 24

type Dilations = number | [number, number]
type Attrs = tf.Conv2DBackpropFilterAttrs & { dilations?: Dilations }

/** Fills colsT for batch items [n0, n1) from xT, x made channel-major ([CI, N·H·W]) so that each
 * colsT row is filled by unit-stride (for stride 1) reads and writes. Every element is written
 * because wasm malloc does not zero memory. */
function im2colT(xT: Float32Array, cols: Float32Array, info: tf.backend_util.Conv2DInfo, n0: number, n1: number): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW } = info
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info
  const { dilationHeight: dh, dilationWidth: dw } = info
  const { top, left } = info.padInfo
  const P = N * H * W
  const M = (n1 - n0) * OH * OW
  if (sh === 1 && sw === 1 && dh === 1 && dw === 1 && OH === H && OW === W) {
    sameStride1(xT, cols, info, n0, n1)
    return
  }
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      // Output columns whose input column iw = ow*sw - left + kw*dw lies inside [0, W).
      const shift = kw * dw - left
      const owLo = Math.min(OW, Math.max(0, Math.ceil(-shift / sw)))
      const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - shift) / sw) + 1))
      for (let ci = 0; ci < CI; ci++) {
        let dst = ((kh * KW + kw) * CI + ci) * M
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < OH; oh++, dst += OW) {
            const ih = oh * sh - top + kh * dh
            if (ih < 0 || ih >= H) {
              cols.fill(0, dst, dst + OW)
              continue
            }
            const src = ci * P + (n * H + ih) * W + shift
            for (let ow = 0; ow < owLo; ow++) cols[dst + ow] = 0
            for (let ow = owLo; ow < owHi; ow++) cols[dst + ow] = xT[src + ow * sw]
            for (let ow = owHi; ow < OW; ow++) cols[dst + ow] = 0
          }
        }
      }
    }
  }
}

/** Stride 1, 'same'-sized output: a colsT row is its channel of x shifted by one flat offset
 * ((kh − top)·W + kw − left), except where the window hangs over an image edge. So: one block
 * copy per row, then zero those edge rows/columns. 4.4 → 0.6 ms for the bench cnn's conv2. */
function sameStride1(xT: Float32Array, cols: Float32Array, info: tf.backend_util.Conv2DInfo, n0: number, n1: number): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, filterHeight: KH, filterWidth: KW } = info
  const { top, left } = info.padInfo
  const HW = H * W
  const M = (n1 - n0) * HW
  const rows = (n1 - n0) * H
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const dr = kh - top
      const dc = kw - left
      const shift = dr * W + dc
      // Output columns whose source column ow + dc is outside the image, and rows likewise.
      const owLo = dc < 0 ? 0 : Math.max(0, W - dc)
      const owHi = dc < 0 ? Math.min(W, -dc) : W
      const edgeRows = Math.min(H, Math.abs(dr))
      for (let ci = 0; ci < CI; ci++) {
        const dst = ((kh * KW + kw) * CI + ci) * M
        const src = ci * N * HW + n0 * HW + shift
        // Stay inside this channel; whatever lies beyond is an edge position zeroed below.
        const lo = Math.min(M, Math.max(0, ci * N * HW - src))
        const hi = Math.max(lo, Math.min(M, (ci + 1) * N * HW - src))
        cols.fill(0, dst, dst + lo)
        cols.set(xT.subarray(src + lo, src + hi), dst + lo)
        cols.fill(0, dst + hi, dst + M)
        // Single stores: most edges are one element wide, and a fill() call per row costs more.
        if (dc !== 0) {
          for (let r = 0, p = dst; r < rows; r++, p += W) {
            for (let ow = owLo; ow < owHi; ow++) cols[p + ow] = 0
          }
        }
        for (let n = 0; n < n1 - n0 && edgeRows > 0; n++) {
          const img = dst + n * HW
          if (dr < 0) cols.fill(0, img, img + edgeRows * W)
          else cols.fill(0, img + HW - edgeRows * W, img + HW)
        }
      }
    }
  }
}

function conv2DBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as unknown as BackendWasm
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape, dilations = 1 } = args.attrs as unknown as Attrs
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter (wasm): only NHWC is supported, got ${dataFormat}`)
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter (wasm): float32 only, got ${x.dtype}/${dy.dtype}`)
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  )
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: CO } = info
  // The geometry is recomputed from attrs, so a dy that disagrees would silently mix rows. It
  // happens through autodiff with dimRoundingMode 'ceil'/'round': tfjs-core's Conv2D gradient
  // drops that attr (the cpu kernel then quietly ignores dy's last row/column).
  const expected = [N, OH, OW, CO]
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy shape [${dy.shape}] does not match the conv output ` + `[${expected}] for x [${x.shape}], filter [${filterShape}]`,
    )
  }

  const matMul = tf.getKernel(tf.BatchMatMul, BACKEND)
  if (matMul === undefined) throw new Error('Conv2DBackpropFilter (wasm): no wasm BatchMatMul')
  const K = info.filterHeight * info.filterWidth * info.inChannels
  const perItem = OH * OW
  if (K * perItem * N === 0) {
    return backend.makeOutput([...info.filterShape], 'float32', undefined, new Float32Array(tf.util.sizeFromShape(info.filterShape)))
  }
  const chunk = Math.max(1, Math.min(N, Math.floor(MAX_COLS_ELEMENTS / Math.max(1, K * perItem))))

  // Channel-major x by the C transpose (4× faster than a JS loop here); nothing to do for CI = 1.
  const { inHeight: H, inWidth: W, inChannels: CI } = info
  const xT = CI === 1 ? null : transposeLast2(args.backend, view(x, [1, N * H * W, CI]), 1)
  let acc: Float32Array | null = null
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n1 = Math.min(N, n0 + chunk)
    const M = (n1 - n0) * perItem
    const cols = backend.makeOutput([1, K, M], 'float32')
    // With one chunk dy already is the [M, CO] operand; otherwise copy out this chunk's rows.
    const dyPart = n1 - n0 === N ? null : backend.makeOutput([1, M, CO], 'float32')
    // Views are taken only after the allocations above: a heap grow detaches older views.
    const xHeap = backend.typedArrayFromHeap(xT ?? x) as Float32Array
    im2colT(xHeap, backend.typedArrayFromHeap(cols) as Float32Array, info, n0, n1)
    if (dyPart !== null) {
      const dyHeap = backend.typedArrayFromHeap(dy) as Float32Array
      ;(backend.typedArrayFromHeap(dyPart) as Float32Array).set(dyHeap.subarray(n0 * perItem * CO, n1 * perItem * CO))
    }
    const b: tf.TensorInfo = dyPart ?? { dataId: dy.dataId, shape: [1, M, CO], dtype: 'float32' }
    const out = matMul.kernelFunc({
      inputs: { a: cols, b },
      backend: args.backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo
    backend.disposeData(cols.dataId)
    if (dyPart !== null) backend.disposeData(dyPart.dataId)
    if (chunk === N) {
      dispose(args.backend, xT)
      out.shape = [...info.filterShape]
      return out
    }
    const part = backend.typedArrayFromHeap(out) as Float32Array
    if (acc === null) acc = Float32Array.from(part)
    else for (let i = 0; i < acc.length; i++) acc[i] += part[i]
    backend.disposeData(out.dataId)
  }
  dispose(args.backend, xT)
  return backend.makeOutput([...info.filterShape], 'float32', undefined, acc!)
}

export const conv2DBackpropFilterKernel: WasmKernel = {
  kernelName: tf.Conv2DBackpropFilter,
  override: false,
  create: () => conv2DBackpropFilterWasm as WasmKernelFunc,
}
