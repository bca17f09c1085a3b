/**
 * The fused training-mode BatchNorm of core/batchNorm.ts for wasm: forward and backward in two
 * passes over the activations each, straight on the wasm heap.
 *
 * Composed from tfjs ops (moments, batchNorm and their autodiff) the same layer is about twenty
 * kernels, each a pass over the activations with its own allocation; on the small CNN that was
 * ≈ 30 of 80 ms per step. The passes run in our WebAssembly SIMD module (batchNorm.wat)
 * over whole groups of four rows, and in JavaScript for the remaining rows or where the module
 * cannot be instantiated. Per-channel sums accumulate in float64 (like our Sum and like `cpu`),
 * and the variance is taken around the first row's values, so that channels with a large mean
 * keep their digits in the one-pass Σd, Σd² form.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../../../core/batchNorm'
import { batchNormSimd, heapF32, heapOffset, Scratch, type BatchNormSimd } from './simd'
import { asWasm, f32, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

interface Sums {
  /** Σd with d = x − shift */
  s: Float64Array
  /** Σd² (forward) or Σdy·d (backward) */
  t: Float64Array
  /** Σdy (backward) */
  u: Float64Array
}

/** Rows per block so that one block of an [M, C] slab (≈ 16 KiB) stays in L1 while each
 * column is walked with its sums in registers. */
const rowsPerBlock = (C: number): number => Math.max(4, Math.floor(4096 / C))

/** The JavaScript pass: adds rows [r0, r1) to the sums (dy null: forward sums). */
function sumRows(x: Float32Array, dy: Float32Array | null, shift: Float64Array, C: number, r0: number, r1: number, out: Sums): void {
  for (let b0 = r0; b0 < r1; b0 += rowsPerBlock(C)) {
    const end = Math.min(r1, b0 + rowsPerBlock(C)) * C
    for (let c = 0; c < C; c++) {
      const k = shift[c]!
      let s = 0
      let t = 0
      let u = 0
      for (let j = b0 * C + c; j < end; j += C) {
        const d = x[j]! - k
        const g = dy === null ? d : dy[j]!
        s += d
        t += g * d
        u += g
      }
      out.s[c] += s
      out.t[c] += t
      out.u[c] += u
    }
  }
}

/** Four copies of per-channel values: one SIMD period (L = 4·C floats) on the heap. */
function replicate(heap: Float32Array, ptr: number, values: ArrayLike<number>, C: number): void {
  for (let q = 0; q < 4; q++) for (let c = 0; c < C; c++) heap[(ptr >> 2) + q * C + c] = values[c]!
}

/** Per-channel values split into a float32 pair hi + lo (hi + lo carries ≈ 48 bits). */
function split(values: Float64Array): { hi: Float32Array; lo: Float32Array } {
  const hi = Float32Array.from(values)
  return { hi, lo: Float32Array.from(values, (v, c) => v - hi[c]!) }
}

/**
 * Runs the SIMD sums over the first `rows4` rows and adds them, folded over the four rows of a
 * period, to `out`. `parts` is 2 (forward: s, t) or 3 (backward: s, t, u).
 */
function simdSums(
  backend: BackendWasm,
  simd: BatchNormSimd,
  scratch: Scratch,
  x: tf.TensorInfo,
  dy: tf.TensorInfo | null,
  shift: Float64Array,
  C: number,
  rows4: number,
  out: Sums,
): void {
  const L = 4 * C
  const k = scratch.alloc(L * 4)
  const acc = scratch.alloc(3 * L * 8)
  new Float64Array(heapF32(backend).buffer, acc, 3 * L).fill(0)
  replicate(heapF32(backend), k, shift, C)
  if (dy === null) simd.sumsForward(heapOffset(backend, x.dataId), k, rows4 * C, L, acc)
  else simd.sumsBackward(heapOffset(backend, x.dataId), k, heapOffset(backend, dy.dataId), rows4 * C, L, acc)
  const sums = new Float64Array(heapF32(backend).buffer, acc, 3 * L)
  const parts = [out.s, out.t, out.u]
  for (let p = 0; p < 3; p++) {
    for (let q = 0; q < 4; q++) for (let c = 0; c < C; c++) parts[p]![c] += sums[p * L + q * C + c]!
  }
}

interface Pass {
  backend: BackendWasm
  simd: BatchNormSimd | null
  scratch: Scratch
  C: number
  M: number
  /** rows the SIMD module handles (a multiple of 4; 0 without it) */
  rows4: number
}

function pass(args: KernelArgs, x: tf.TensorInfo): Pass {
  const backend = asWasm(args.backend)
  const C = x.shape[x.shape.length - 1]!
  const M = tf.util.sizeFromShape(x.shape) / C
  const simd = M >= 4 ? batchNormSimd(backend) : null
  return { backend, simd, scratch: new Scratch(backend), C, M, rows4: simd ? M - (M % 4) : 0 }
}

function sums(p: Pass, x: tf.TensorInfo, dy: tf.TensorInfo | null): Sums & { shift: Float64Array } {
  const { backend, C, M, rows4 } = p
  const shift = new Float64Array(C)
  if (M > 0) shift.set(f32(backend, x).subarray(0, C))
  const out = { shift, s: new Float64Array(C), t: new Float64Array(C), u: new Float64Array(C) }
  if (rows4 > 0) simdSums(backend, p.simd!, p.scratch, x, dy, shift, C, rows4, out)
  sumRows(f32(backend, x), dy && f32(backend, dy), shift, C, rows4, M, out)
  return out
}

/** y = (x − mean)·γ/σ + β per channel, with mean and 1/σ from the batch itself. */
function forward(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo }
  const eps = (args.attrs as { epsilon: number }).epsilon
  const w = asWasm(args.backend)
  const outs = [w.makeOutput(x.shape, 'float32'), ...[0, 1, 2].map(() => w.makeOutput([x.shape.at(-1)!], 'float32'))]
  const [yInfo, meanInfo, varInfo, invInfo] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo]
  const p = pass(args, x)
  const { C, M, rows4 } = p
  try {
    const { shift, s, t } = sums(p, x, null)
    const mean = new Float64Array(C)
    const variance = new Float64Array(C)
    const inv = new Float64Array(C)
    const scale = new Float32Array(C)
    const g = f32(w, gamma)
    for (let c = 0; c < C; c++) {
      const dMean = s[c]! / M
      variance[c] = Math.max(0, t[c]! / M - dMean * dMean)
      inv[c] = 1 / Math.sqrt(variance[c]! + eps)
      mean[c] = shift[c]! + dMean
      scale[c] = inv[c]! * g[c]!
    }
    f32(w, meanInfo).set(mean)
    f32(w, varInfo).set(variance)
    f32(w, invInfo).set(inv)
    const b = Float32Array.from(f32(w, beta))
    const { hi, lo } = split(mean)
    if (rows4 > 0) {
      const L = 4 * C
      const ptrs = [hi, lo, scale, b].map((v) => {
        const ptr = p.scratch.alloc(L * 4)
        replicate(heapF32(w), ptr, v, C)
        return ptr
      })
      const [mh, ml, sp, bp] = ptrs as [number, number, number, number]
      p.simd!.normalize(heapOffset(w, x.dataId), heapOffset(w, yInfo.dataId), rows4 * C, L, mh, ml, sp, bp)
    }
    const xs = f32(w, x)
    const ys = f32(w, yInfo)
    for (let i = rows4 * C, c = 0; i < M * C; i++, c = c + 1 === C ? 0 : c + 1) {
      ys[i] = (xs[i]! - hi[c]! - lo[c]!) * scale[c]! + b[c]!
    }
  } finally {
    p.scratch.free()
  }
  return outs
}

/**
 * With x̂ = (x − mean)/σ, the standard BN gradient: dβ = Σdy, dγ = Σdy·x̂ and
 * dx = γ/σ · (dy − dβ/M − x̂·dγ/M), evaluated as dx = a·dy + k·(x − mean) + d per channel.
 * The mean is recomputed from x in the same pass rather than taken from the forward's float32
 * output: where a channel's mean dwarfs its spread, that rounding alone moves x̂ by 1e-3.
 */
function backward(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, gamma, invStd } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'invStd', tf.TensorInfo>
  const w = asWasm(args.backend)
  const C = x.shape[x.shape.length - 1]!
  const outs = [w.makeOutput(x.shape, 'float32'), w.makeOutput([C], 'float32'), w.makeOutput([C], 'float32')]
  const [dxInfo, dgInfo, dbInfo] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo]
  const p = pass(args, x)
  const { M, rows4 } = p
  try {
    const { shift, s, t: sumDyD, u: sumDy } = sums(p, x, dy)
    const g = f32(w, gamma)
    const inv = f32(w, invStd)
    const mean = new Float64Array(C)
    const a = new Float32Array(C)
    const k = new Float32Array(C)
    const d = new Float32Array(C)
    const dGamma = new Float64Array(C)
    for (let c = 0; c < C; c++) {
      const i = inv[c]!
      const dMean = s[c]! / M
      const sumDyXc = sumDyD[c]! - dMean * sumDy[c]!
      mean[c] = shift[c]! + dMean
      a[c] = g[c]! * i
      k[c] = (-a[c]! * i * i * sumDyXc) / M
      d[c] = (-a[c]! * sumDy[c]!) / M
      dGamma[c] = sumDyXc * i
    }
    f32(w, dgInfo).set(dGamma)
    f32(w, dbInfo).set(sumDy)
    const { hi, lo } = split(mean)
    if (rows4 > 0) {
      const L = 4 * C
      const ptrs = [hi, lo, a, k, d].map((v) => {
        const ptr = p.scratch.alloc(L * 4)
        replicate(heapF32(w), ptr, v, C)
        return ptr
      })
      const [mh, ml, ap, kp, dp] = ptrs as [number, number, number, number, number]
      p.simd!.inputGrad(heapOffset(w, dy.dataId), heapOffset(w, x.dataId), heapOffset(w, dxInfo.dataId), rows4 * C, L, mh, ml, ap, kp, dp)
    }
    const dys = f32(w, dy)
    const xs = f32(w, x)
    const dxs = f32(w, dxInfo)
    for (let j = rows4 * C, c = 0; j < M * C; j++, c = c + 1 === C ? 0 : c + 1) {
      dxs[j] = a[c]! * dys[j]! + k[c]! * (xs[j]! - hi[c]! - lo[c]!) + d[c]!
    }
  } finally {
    p.scratch.free()
  }
  return outs
}

// Multi-output kernels return TensorInfo[]; the registry's type speaks of one.
const create = (fn: (args: KernelArgs) => tf.TensorInfo[]) => (): WasmKernelFunc => fn as unknown as WasmKernelFunc

export const batchNormTrainKernel: WasmKernel = { kernelName: BATCH_NORM_TRAIN, override: false, create: create(forward) }
export const batchNormTrainGradKernel: WasmKernel = { kernelName: BATCH_NORM_TRAIN_GRAD, override: false, create: create(backward) }
