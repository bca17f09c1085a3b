import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { effectiveGemmThreads, gemmStats, setGemmThreads } from '../../../../../../src-main/worker/threads/helperPool'
import { gemmSimd, heapF32, setSimdEnabled, Scratch } from '../../../../../../src-main/worker/backends/wasm/kernels/simd'
import { naiveMatMul } from '../../../../../helpers/naiveMatMul'
import { initWasmBackend, relErr, seededValues, valuesOf, withoutLeaks } from '../../../../../helpers/wasm'

const TOL = 2e-5

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
  setGemmThreads(2)
})

afterAll(() => setGemmThreads(1))

const backend = (): BackendWasm => tf.backend() as unknown as BackendWasm

/** Runs tf.matMul on wasm and returns the values and whether our product kernel ran. */
function product(aShape: number[], bShape: number[], tA: boolean, tB: boolean, seed = 1): { values: Float32Array; ours: boolean } {
  const av = seededValues(
    aShape.reduce((x, y) => x * y),
    seed,
  )
  const bv = seededValues(
    bShape.reduce((x, y) => x * y),
    seed + 1,
  )
  const before = gemmStats.products
  const values = withoutLeaks(() => valuesOf(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), tA, tB)))
  return { values, ours: gemmStats.products > before }
}

describe('our SIMD dense product (gemm.wat) behind BatchMatMul', () => {
  // Every orientation, with row, column and depth counts that leave remainders in the 4×8 blocks.
  const shapes: [number, number, number][] = [
    [1, 1, 4],
    [3, 5, 4],
    [5, 3, 12],
    [9, 17, 20],
    [64, 300, 36],
    [7, 64, 520],
    [64, 784, 512],
    // widths that are not a multiple of 4 (a classifier's 10 outputs): zero-padded copies of B
    [64, 512, 10],
    [512, 64, 10],
    [33, 65, 129],
    [2, 3, 5],
  ]
  for (const [M, K, N] of shapes) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`matches float64 for M ${M}, K ${K}, N ${N}, transposeA ${tA}, transposeB ${tB}`, () => {
        const aShape = tA ? [K, M] : [M, K]
        const bShape = tB ? [N, K] : [K, N]
        const { values, ours } = product(aShape, bShape, tA, tB)
        const ref = naiveMatMul(seededValues(M * K, 1), seededValues(K * N, 2), aShape, bShape, tA, tB)
        expect(relErr(values, ref)).toBeLessThanOrEqual(TOL)
        // Ours runs unless the product is tiny (below the stock kernel's break-even), or its
        // transposes would cost more than a sixteenth of it or more than XNNPACK packing B.
        const N4 = Math.ceil(N / 4) * 4
        const moved = (tA ? 0 : M * K) + (tB || N4 > N ? K * N4 : 0) + (N4 > N ? M * N4 : 0)
        expect(ours).toBe(M * K * N >= 24_576 && moved * 16 <= M * K * N && moved <= 4 * K * N)
      })
    }
  }

  it('folds a batch of left operands over one right operand into one product', () => {
    const { values, ours } = product([3, 40, 50], [50, 64], false, false)
    expect(ours).toBe(true)
    const a = seededValues(3 * 40 * 50, 1)
    const ref = naiveMatMul(a, seededValues(50 * 64, 2), [120, 50], [50, 64], false, false)
    expect(relErr(values, ref)).toBeLessThanOrEqual(TOL)
  })

  it('leaves per-item batches, wide right operands of odd width and conv weight gradients to the XNNPACK path', () => {
    expect(product([2, 50, 40], [2, 40, 64], false, false).ours).toBe(false)
    expect(product([64, 300], [300, 301], false, false).ours).toBe(false)
    // colsᵀ·dy of a conv's weight gradient: A is the large operand (packing the small B is cheaper
    // than transposing A), and the depth runs over every output position
    expect(product([1152, 256], [256, 128], false, false).ours).toBe(false)
    expect(product([72, 8192], [8192, 16], false, false).ours).toBe(false)
    expect(product([8192, 72], [8192, 16], true, false).ours).toBe(false)
  })

  it('runs on this thread alone where the memory is not shared (the single-threaded binary)', () => {
    expect(backend().wasm).toBeDefined()
    expect(effectiveGemmThreads(backend())).toBe(1)
    const splits = gemmStats.splits
    expect(product([64, 784], [784, 512], false, false).ours).toBe(true)
    expect(gemmStats.splits).toBe(splits)
  })

  it('gives way to the XNNPACK path when SIMD is off, with the same result to rounding', () => {
    const ours = product([64, 512], [512, 512], false, true)
    setSimdEnabled(false)
    try {
      const stock = product([64, 512], [512, 512], false, true)
      expect(stock.ours).toBe(false)
      expect(relErr(ours.values, stock.values)).toBeLessThanOrEqual(TOL)
    } finally {
      setSimdEnabled(true)
    }
  })
})

describe('the kernel module itself', () => {
  it('transposes any shape exactly, 4×4 blocks and scalar edges', () => {
    const simd = gemmSimd(backend())!
    for (const [R, C] of [
      [1, 1],
      [3, 5],
      [4, 4],
      [5, 9],
      [64, 784],
      [13, 512],
    ] as const) {
      const scratch = new Scratch(backend())
      try {
        const src = scratch.alloc(R * C * 4)
        const dst = scratch.alloc(R * C * 4)
        const x = seededValues(R * C, R + C)
        heapF32(backend()).set(x, src / 4)
        simd.transpose(src, dst, R, C, R)
        const got = heapF32(backend()).slice(dst / 4, dst / 4 + R * C)
        let wrong = 0
        for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) if (got[c * R + r] !== x[r * C + c]) wrong++
        expect(wrong, `${R}×${C}`).toBe(0)
        // in two bands of src's rows (as helper threads split it), each writing its columns of dst
        const split = Math.floor(R / 2 / 4) * 4
        heapF32(backend()).fill(0, dst / 4, dst / 4 + R * C)
        simd.transpose(src, dst, split, C, R)
        simd.transpose(src + split * C * 4, dst + split * 4, R - split, C, R)
        expect(heapF32(backend()).slice(dst / 4, dst / 4 + R * C), `${R}×${C} in bands`).toEqual(got)
      } finally {
        scratch.free()
      }
    }
  })

  it('computes any column range on its own, the same bits as the whole product', () => {
    const simd = gemmSimd(backend())!
    const [M, K, N] = [13, 37, 44]
    const scratch = new Scratch(backend())
    try {
      const a = scratch.alloc(K * M * 4)
      const b = scratch.alloc(K * N * 4)
      const whole = scratch.alloc(M * N * 4)
      const parts = scratch.alloc(M * N * 4)
      heapF32(backend()).set(seededValues(K * M, 7), a / 4)
      heapF32(backend()).set(seededValues(K * N, 8), b / 4)
      simd.gemmTN(a, M * 4, b, N * 4, whole, N * 4, M, K, 0, N)
      for (const [n0, n1] of [
        [0, 8],
        [8, 24],
        [24, 44],
      ])
        simd.gemmTN(a, M * 4, b, N * 4, parts, N * 4, M, K, n0!, n1!)
      const heap = heapF32(backend())
      expect(heap.slice(parts / 4, parts / 4 + M * N)).toEqual(heap.slice(whole / 4, whole / 4 + M * N))
      const ref = naiveMatMul(heap.slice(a / 4, a / 4 + K * M), heap.slice(b / 4, b / 4 + K * N), [K, M], [K, N], true, false)
      expect(relErr(heap.slice(whole / 4, whole / 4 + M * N), ref)).toBeLessThanOrEqual(TOL)
    } finally {
      scratch.free()
    }
  })
})
