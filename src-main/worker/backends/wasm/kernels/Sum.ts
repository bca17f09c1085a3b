/**
 * Sum for wasm, accumulated in float64 like the `cpu` backend (Mean.ts divides the same sums).
 *
 * Stock wasm sums in float32, one running total per output. The BN gradient reduces 50k+ terms
 * per channel, so its result drifts by ~1e-3 relative from cpu and PyTorch (0.45–0.86 % on whole
 * CNN gradients in the probe). float64 running totals make the error one final rounding.
 *
 * The reduction also avoids stock wasm's transpose of the whole input for non-inner axes (BN's
 * sum over N,H,W of NHWC): dims are merged into alternating kept/reduced groups and walked once
 * in memory order.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, f32, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

interface Reduction {
  outShape: number[]
  reduceSize: number
  values: Float64Array
}

/** Sum of x[i, i+n). Four running totals: one would serialise on the add latency (3× slower). */
function sumRow(x: Float32Array, i: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const end = i + n
  for (; i + 3 < end; i += 4) {
    s0 += x[i]
    s1 += x[i + 1]
    s2 += x[i + 2]
    s3 += x[i + 3]
  }
  for (; i < end; i++) s0 += x[i]
  return s0 + s1 + s2 + s3
}

/** acc[o + c] += Σ_r x[i + r·C + c]: column sums of an [R, C] slab, in blocks of rows that
 * stay in L1 so each column is summed in registers. */
function sumColumns(x: Float32Array, i: number, R: number, C: number, acc: Float64Array, o: number): void {
  const rowsPerBlock = Math.max(4, Math.floor(4096 / C))
  for (let r0 = 0; r0 < R; r0 += rowsPerBlock) {
    const end = i + Math.min(R, r0 + rowsPerBlock) * C
    const C2 = 2 * C
    const C3 = 3 * C
    const C4 = 4 * C
    for (let c = 0; c < C; c++) {
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      let j = i + r0 * C + c
      for (; j + C3 < end; j += C4) {
        s0 += x[j]
        s1 += x[j + C]
        s2 += x[j + C2]
        s3 += x[j + C3]
      }
      for (; j < end; j += C) s0 += x[j]
      acc[o + c] += s0 + s1 + s2 + s3
    }
  }
}

function reduceSum(x: Float32Array, shape: number[], axes: number[]): Reduction {
  // Merge neighbouring dims of the same kind; size-1 dims are dropped (they change nothing).
  const sizes: number[] = []
  const reduced: boolean[] = []
  let reduceSize = 1
  shape.forEach((d, i) => {
    const r = axes.includes(i)
    if (r) reduceSize *= d
    if (d === 1) return
    if (reduced.length > 0 && reduced[reduced.length - 1] === r) sizes[sizes.length - 1] *= d
    else {
      sizes.push(d)
      reduced.push(r)
    }
  })
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(shape, axes)
  const outSize = tf.util.sizeFromShape(outShape)
  const acc = new Float64Array(outSize)
  if (x.length === 0 || sizes.length === 0) {
    if (x.length === 1) acc[0] = x[0]!
    return { outShape, reduceSize, values: acc }
  }
  // Output stride of each group: kept groups advance the output index, reduced ones do not.
  const k = sizes.length
  const outStride = new Array<number>(k).fill(0)
  for (let g = k - 1, s = 1; g >= 0; g--) {
    if (!reduced[g]) {
      outStride[g] = s
      s *= sizes[g]!
    }
  }
  // The last one or two groups form a slab reduced by a tight loop; the groups outside it are
  // walked by an odometer that moves the input by one slab and the output by the kept strides.
  const lastReduced = reduced[k - 1]!
  const C = sizes[k - 1]!
  const slabGroups = lastReduced || k === 1 ? 1 : 2
  const R = slabGroups === 2 ? sizes[k - 2]! : 1
  const slab = C * R
  const outer = k - slabGroups
  const idx = new Array<number>(Math.max(outer, 0)).fill(0)
  for (let i = 0, o = 0; i < x.length; i += slab) {
    if (lastReduced) acc[o] += sumRow(x, i, C)
    else if (slabGroups === 1) for (let j = 0; j < C; j++) acc[o + j] += x[i + j]
    else sumColumns(x, i, R, C, acc, o)
    for (let g = outer - 1; g >= 0; g--) {
      o += outStride[g]!
      if (++idx[g]! < sizes[g]!) break
      o -= outStride[g]! * sizes[g]!
      idx[g] = 0
    }
  }
  return { outShape, reduceSize, values: acc }
}

/** Sum (`mean` false) or Mean over float32 input; other dtypes go to the stock kernel. */
export function reduceKernel(mean: boolean, stock: tf.KernelConfig | undefined): WasmKernelFunc {
  const name = mean ? 'Mean' : 'Sum'
  if (stock === undefined) throw new Error(`${name} (wasm): no stock kernel to build on`)
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc
  return (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype !== 'float32') return stockFn(args) // int sums are exact already
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs
    const w = asWasm(args.backend)
    const axes = tf.util.parseAxisParam(axis, x.shape)
    const red = reduceSum(f32(w, x), x.shape, axes)
    if (mean && red.reduceSize > 0) {
      const inv = red.reduceSize
      for (let i = 0; i < red.values.length; i++) red.values[i] /= inv
    }
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(red.outShape, axes) : red.outShape
    const out = w.makeOutput(shape, 'float32')
    f32(w, out).set(red.values)
    return out
  }
}

export const sumKernel: WasmKernel = { kernelName: tf.Sum, override: true, create: (s) => reduceKernel(false, s) }
