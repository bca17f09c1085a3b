import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NativeAddon } from '../../../../src-main/worker/native'
import { callsOf, initNativeWasm, native, suiteName } from '../../../helpers/native'
import { onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../helpers/wasm'

const TOL = 2e-5
const errors: Record<string, number> = {}
let addon: NativeAddon

interface Case {
  name: string
  a: number[]
  b: number[]
}

// Each shape runs with all four transpose combinations (the operands' stored shapes follow).
const cases: Case[] = [
  { name: 'mlp layer: 64×784 by 784×512', a: [64, 784], b: [784, 512] },
  { name: 'classifier: 64×512 by 512×10', a: [64, 512], b: [512, 10] },
  { name: 'odd sizes 33×65 by 65×129', a: [33, 65], b: [65, 129] },
  { name: 'tiny 3×4 by 4×5', a: [3, 4], b: [4, 5] },
  { name: 'one row', a: [1, 7], b: [7, 3] },
  { name: 'batched, shared b', a: [3, 40, 50], b: [50, 60] },
  { name: 'batched both', a: [3, 40, 50], b: [3, 50, 60] },
  { name: 'broadcast a', a: [1, 40, 50], b: [3, 50, 60] },
  { name: 'broadcast a over rank 4', a: [40, 50], b: [2, 3, 50, 60] },
]

/** The stored shape of an operand whose logical matrix is [r, c], transposed or not. */
function stored(shape: number[], transposed: boolean): number[] {
  if (!transposed) return shape
  const s = [...shape]
  ;[s[s.length - 2], s[s.length - 1]] = [s[s.length - 1]!, s[s.length - 2]!]
  return s
}

const size = (s: number[]): number => s.reduce((x, y) => x * y, 1)

function inputsOf(c: Case, tA: boolean, tB: boolean) {
  const a = stored(c.a, tA)
  const b = stored(c.b, tB)
  return { a: { values: seededValues(size(a), 1), shape: a }, b: { values: seededValues(size(b), 2), shape: b } }
}

describe.skipIf(!native.ok)(suiteName('native BatchMatMul (sgemm) vs cpu'), () => {
  beforeAll(async () => {
    addon = await initNativeWasm()
  })
  afterAll(() => {
    addon?.setGemmEngine('blas')
    addon?.setThreads(2)
    console.log('native BatchMatMul max relative errors vs cpu', errors)
  })

  for (const engine of ['blas', 'dnnl'] as const) {
    for (const c of cases) {
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        for (const threads of [1, 2]) {
          const label = `${engine}: ${c.name}, transposeA ${tA}, transposeB ${tB}, ${threads} thread${threads > 1 ? 's' : ''}`
          it(`matches cpu: ${label}`, async () => {
            addon.setGemmEngine(engine)
            addon.setThreads(threads)
            const inputs = inputsOf(c, tA, tB)
            const attrs = { transposeA: tA, transposeB: tB }
            const run = () => runKernelValues(tf.BatchMatMul, inputs, attrs)
            let got: Float32Array = new Float32Array()
            expect(callsOf('gemm', () => (got = withoutLeaks(run)))).toBe(1)
            const cpu = await onCpu(run)
            errors[label] = relErr(got, cpu)
            expect(errors[label]).toBeLessThanOrEqual(TOL)
            const shape = () =>
              tf.tidy(() => (tf.engine().runKernel(tf.BatchMatMul, { a: tf.zeros(inputs.a.shape), b: tf.zeros(inputs.b.shape) }, attrs) as tf.Tensor).shape)
            expect(shape()).toEqual(await onCpu(shape))
          })
        }
      }
    }
  }

  it('trains the dense layers of autodiff (dX = dY·Wᵀ, dW = Xᵀ·dY) natively and like cpu', async () => {
    const xv = seededValues(16 * 30, 1)
    const wv = seededValues(30 * 20, 2)
    const grads = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(xv, [16, 30])
        const w = tf.tensor2d(wv, [30, 20])
        return tf
          .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))([x, w])
          .map((g) => g.dataSync() as Float32Array)
      })
    let got: Float32Array[] = []
    expect(callsOf('gemm', () => (got = withoutLeaks(grads)))).toBe(3)
    const cpu = await onCpu(grads)
    for (const i of [0, 1]) expect(relErr(got[i]!, cpu[i]!)).toBeLessThanOrEqual(TOL)
  })

  it('leaves int32 and partly broadcast batches to the kernel registered before it, and rejects mismatched shapes', async () => {
    const partial = () =>
      runKernelValues(
        tf.BatchMatMul,
        { a: { values: seededValues(2 * 12, 1), shape: [2, 1, 3, 4] }, b: { values: seededValues(3 * 20, 2), shape: [1, 3, 4, 5] } },
        {},
      )
    let got: Float32Array = new Float32Array()
    expect(callsOf('gemm', () => (got = partial()))).toBe(0)
    expect(relErr(got, await onCpu(partial))).toBeLessThanOrEqual(TOL)
    const ints = () =>
      runKernelValues(tf.BatchMatMul, { a: { values: Int32Array.of(1, 2, 3, 4), shape: [2, 2] }, b: { values: Int32Array.of(1, 0, 0, 1), shape: [2, 2] } }, {})
    // wasm's own kernel refuses int32 products; ours must not take them either.
    expect(callsOf('gemm', () => expect(ints).toThrow(/float32/))).toBe(0)
    const mismatch = () => tf.tidy(() => tf.engine().runKernel(tf.BatchMatMul, { a: tf.zeros([2, 3]), b: tf.zeros([4, 5]) }, {}))
    expect(mismatch).toThrow()
  })
})
