/**
 * Dense products on our SIMD kernel (gemm.wat), which reads both operands where they lie:
 * no packing of the weights on every call (XNNPACK's cost, ≈ 4 ns per element, since the
 * weights change every step) and no transposes of large operands for the common orientations.
 *
 * The kernel computes C = Aᵀ·B from A stored k-major. So:
 *   Aᵀ·B (dW = Xᵀ·dY)   runs on the operands as stored;
 *   A·B  (forward X·W)   transposes A, the small batch side;
 *   A·Bᵀ (dX = dY·Wᵀ)    transposes both (W with our SIMD transpose, ≈ 0.3–1.2 ns per element);
 *   Aᵀ·Bᵀ                 transposes B.
 * A shared right operand folds the batch into A's rows; other batched products are left to the
 * caller. Widths that are not a multiple of 4 run on a zero-padded copy of a small B. Products
 * and transposes large enough are split over helper threads (threads/helperPool.ts).
 */
import * as tf from '@tensorflow/tfjs'
import { gemmTN, transpose } from '../../../threads/helperPool'
import { gemmSimd, heapOffset } from './simd'
import { asWasm, dispose, f32 } from './util'

// Transposes must stay a small part of the product (cost in multiply-adds per element moved).
const TRANSPOSE_BUDGET = 16
// What XNNPACK's path costs besides the product: packing B, ≈ 4 transposed elements' worth each.
// Where B is the small operand (the im2col product of a conv's weight gradient: colsᵀ·dy), its
// packing is cheaper than our transposing A, and XNNPACK's path is kept.
const XNNPACK_PACK_COST = 4
// Our kernel sweeps the whole depth for each 4×8 block: past a few thousand (a conv's weight
// gradient sums over every output position) the operands no longer stay in cache between blocks.
const MAX_DEPTH = 4096
// Padded copies of B are made in JavaScript: small right operands only.
const MAX_PADDED = 1 << 16

/** op(a)·op(b) into a new tensor of `outShape`, or null where this path does not apply. */
export function gemmProduct(
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  M: number,
  K: number,
  N: number,
  batchA: number,
  batchB: number,
  outShape: number[],
): tf.TensorInfo | null {
  const w = asWasm(backend)
  if (batchB !== 1 || (batchA !== 1 && tA) || K > MAX_DEPTH) return null
  const rows = batchA * M
  // The kernel writes columns in fours: an odd width (a classifier's 10) multiplies a copy of B
  // padded with zero columns into a padded C, compacted afterwards. Only for small B.
  const N4 = (N + 3) & ~3
  const padded = N4 !== N
  if (padded && K * N4 > MAX_PADDED) return null
  const moved = (tA ? 0 : rows * K) + (tB || padded ? K * N4 : 0) + (padded ? rows * N4 : 0)
  if (moved * TRANSPOSE_BUDGET > rows * K * N || moved > XNNPACK_PACK_COST * K * N) return null
  if (gemmSimd(w) === null) return null
  const out = w.makeOutput(outShape, 'float32')
  const at = tA ? null : w.makeOutput([K, rows], 'float32')
  const bt = tB || padded ? w.makeOutput([K, N4], 'float32') : null
  const c4 = padded ? w.makeOutput([rows, N4], 'float32') : null
  try {
    if (at !== null) transpose(w, heapOffset(w, a.dataId), heapOffset(w, at.dataId), rows, K)
    if (padded) padInto(f32(w, b), f32(w, bt!), K, N, N4, tB)
    else if (bt !== null) transpose(w, heapOffset(w, b.dataId), heapOffset(w, bt.dataId), N, K)
    const aPtr = heapOffset(w, (at ?? a).dataId)
    const bPtr = heapOffset(w, (bt ?? b).dataId)
    gemmTN(w, aPtr, rows * 4, bPtr, N4 * 4, heapOffset(w, (c4 ?? out).dataId), N4 * 4, rows, K, N4)
    if (c4 !== null) {
      const [src, dst] = [f32(w, c4), f32(w, out)]
      for (let i = 0; i < rows; i++) dst.set(src.subarray(i * N4, i * N4 + N), i * N)
    }
    return out
  } catch (err) {
    dispose(backend, out)
    throw err
  } finally {
    dispose(backend, at, bt, c4)
  }
}

/** dst [K×N4] = op(b) with zero columns N..N4 (b is [K×N], or [N×K] when transposed). */
function padInto(b: Float32Array, dst: Float32Array, K: number, N: number, N4: number, transposed: boolean): void {
  for (let k = 0; k < K; k++) {
    const row = k * N4
    for (let j = 0; j < N; j++) dst[row + j] = transposed ? b[j * K + k]! : b[k * N + j]!
    for (let j = N; j < N4; j++) dst[row + j] = 0
  }
}
