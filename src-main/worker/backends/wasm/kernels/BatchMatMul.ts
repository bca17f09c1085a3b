/**
 * BatchMatMul for wasm that always reaches XNNPACK.
 *
 * Stock wasm runs XNNPACK only when neither operand is transposed and both batch sizes are 1;
 * everything else falls to a blocked scalar loop at 0.3–2 GFLOP/s. Autodiff of every dense layer
 * asks for both transposes (dX = dY·Wᵀ, dW = Xᵀ·dY), so a training step spent most of its time
 * there. Transposing the operand explicitly with the C transpose and then calling the stock
 * kernel without transposes is 10–40× faster at our sizes (see docs/performance.md); for
 * dX = dY·Wᵀ computing the transposed product is faster still (see swappedIsCheaper).
 *
 * Batched products: with a shared right operand the batch folds into the rows of one product;
 * otherwise each batch item is copied out and multiplied on the fast path.
 *
 * Our own SIMD product (gemmProduct.ts) comes first wherever it applies (float32, N a multiple of 4,
 * one right operand); what follows is the XNNPACK path for the rest and for runtimes without it.
 */
import * as tf from '@tensorflow/tfjs'
import { asWasm, dispose, f32, transposeLast2, view, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'
import { gemmProduct } from './gemmProduct'

// Below this many multiply-adds the scalar loop beats transposing plus XNNPACK's operator set-up
// (which packs the right operand every call): measured break-even between 14k (24³) and 33k (32³).
const MIN_MACS = 24_576

function create(stock: tf.KernelConfig | undefined): WasmKernelFunc {
  if (stock === undefined) throw new Error('BatchMatMul (wasm): no stock kernel to build on')
  const stockFn = stock.kernelFunc as unknown as WasmKernelFunc

  return (args: KernelArgs): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs
    const backend = args.backend
    const ra = a.shape.length
    const rb = b.shape.length
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2) return stockFn(args)
    const M = a.shape[transposeA ? ra - 1 : ra - 2]!
    const K = a.shape[transposeA ? ra - 2 : ra - 1]!
    const N = b.shape[transposeB ? rb - 2 : rb - 1]!
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2))
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2))
    const batch = Math.max(batchA, batchB)
    const fastAlready = !transposeA && !transposeB && batch === 1
    const inner = b.shape[transposeB ? rb - 1 : rb - 2]
    if (inner !== K || M * K * N * batch < MIN_MACS || M * N * K === 0) return stockFn(args)
    // Throws on batch dims that do not broadcast, with the stock kernel's message.
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)).concat([M, N])
    // Batch dims that broadcast only partly (e.g. [2,1] with [1,3]) are left to the stock loop.
    if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return stockFn(args)
    const ours = gemmProduct(backend, a, b, transposeA, transposeB, M, K, N, batchA, batchB, outShape)
    if (ours !== null) return ours
    if (fastAlready && !packSmallerIsCheaper(M, K, N)) return stockFn(args)

    if (fastAlready || (batch === 1 && swappedIsCheaper(M, K, N, transposeA, transposeB))) {
      return swapped(backend, stockFn, a, b, M, K, N, transposeA, transposeB, outShape)
    }
    const aN = transposeA ? transposeLast2(backend, a, batchA) : null // [batchA, M, K]
    const bN = transposeB ? transposeLast2(backend, b, batchB) : null // [batchB, K, N]
    const aInfo = aN ?? a
    const bInfo = bN ?? b
    try {
      if (batchB === 1) {
        // Shared weights: all rows of every batch item in one product.
        const out = stockFn({
          inputs: { a: view(aInfo, [1, batchA * M, K]), b: view(bInfo, [1, K, N]) },
          backend,
          attrs: { transposeA: false, transposeB: false },
        })
        out.shape = outShape
        return out
      }
      return perItem(backend, stockFn, aInfo, bInfo, batchA, batch, M, K, N, outShape)
    } finally {
      dispose(backend, aN, bN)
    }
  }
}

/**
 * XNNPACK packs the right operand of every product (the tensor is fresh each step in training, so
 * its operator cache never hits), at about the cost of a transpose per element. Computing
 * outᵀ = op(b)ᵀ·op(a)ᵀ instead packs op(a)ᵀ and needs no copy of an operand that was to be
 * transposed anyway: for dX = dY·Wᵀ it moves dY (64×512) instead of W (512×784) twice.
 */
function swappedIsCheaper(M: number, K: number, N: number, tA: boolean, tB: boolean): boolean {
  const direct = (tA ? M * K : 0) + (tB ? K * N : 0) + K * N
  const swap = (tA ? 0 : M * K) + (tB ? 0 : K * N) + K * M + M * N
  return swap < direct
}

/**
 * For a plain a·b (the forward pass of a dense layer): XNNPACK packs b, the weights, on every
 * call (≈ 4 ns per element: 1.5 ms for 784×512, as much as the product at batch 32), while
 * (bᵀ·aᵀ)ᵀ packs the small aᵀ and pays a transpose of b instead (≈ 0.6 ns per element).
 * Measured at batch 64 / 32: 3.68 → 3.04 / 2.67 → 1.49 ms for 784×512. Except where both of b's
 * dims are multiples of 256: wasm's C transpose thrashes the cache there (512×512: 1.25 ms, more
 * than packing), so those keep the stock path.
 */
function packSmallerIsCheaper(M: number, K: number, N: number): boolean {
  if (K % 256 === 0 && N % 256 === 0) return false
  const PACK = 4 // cost of packing an element, in transposed elements
  return M * K + K * N + PACK * K * M + M * N < PACK * K * N
}

function swapped(
  backend: tf.KernelBackend,
  stockFn: WasmKernelFunc,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  M: number,
  K: number,
  N: number,
  tA: boolean,
  tB: boolean,
  outShape: number[],
): tf.TensorInfo {
  const lhs = tB ? null : transposeLast2(backend, b, 1) // op(b)ᵀ: [N, K]
  const rhs = tA ? null : transposeLast2(backend, a, 1) // op(a)ᵀ: [K, M]
  let outT: tf.TensorInfo | null = null
  try {
    outT = stockFn({
      inputs: { a: view(lhs ?? b, [1, N, K]), b: view(rhs ?? a, [1, K, M]) },
      backend,
      attrs: { transposeA: false, transposeB: false },
    })
    const out = transposeLast2(backend, outT, 1)
    out.shape = outShape
    return out
  } finally {
    dispose(backend, lhs, rhs, outT)
  }
}

function perItem(
  backend: tf.KernelBackend,
  stockFn: WasmKernelFunc,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  batchA: number,
  batch: number,
  M: number,
  K: number,
  N: number,
  outShape: number[],
): tf.TensorInfo {
  const w = asWasm(backend)
  const out = w.makeOutput(outShape, 'float32')
  const aOne = batchA === 1 ? null : w.makeOutput([1, M, K], 'float32')
  for (let i = 0; i < batch; i++) {
    // A fresh right operand per item: XNNPACK caches its packed weights by tensor id, so reusing
    // one scratch buffer with new contents would multiply by stale weights.
    const bOne = w.makeOutput([1, K, N], 'float32')
    f32(w, bOne).set(f32(w, b).subarray(i * K * N, (i + 1) * K * N))
    if (aOne !== null) f32(w, aOne).set(f32(w, a).subarray(i * M * K, (i + 1) * M * K))
    const part = stockFn({
      inputs: { a: aOne ?? view(a, [1, M, K]), b: bOne },
      backend,
      attrs: { transposeA: false, transposeB: false },
    })
    f32(w, out).set(f32(w, part), i * M * N)
    dispose(backend, part, bOne)
  }
  dispose(backend, aOne)
  return out
}

export const batchMatMulKernel: WasmKernel = { kernelName: tf.BatchMatMul, override: true, create }
