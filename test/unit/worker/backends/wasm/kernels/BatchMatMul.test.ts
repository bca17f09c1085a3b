import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels, unregisterWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, relErr, runKernelValues, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

const TOL = 2e-5
const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('BatchMatMul max relative errors vs cpu', errors))

interface Case {
  name: string
  a: number[]
  b: number[]
  transposeA: boolean
  transposeB: boolean
}

const cases: Case[] = [
  { name: 'dense dX = dy·Wᵀ', a: [64, 512], b: [300, 512], transposeA: false, transposeB: true },
  { name: 'dense dW = xᵀ·dy', a: [64, 300], b: [64, 128], transposeA: true, transposeB: false },
  { name: 'both transposed', a: [70, 90], b: [50, 70], transposeA: true, transposeB: true },
  { name: 'odd sizes, transposeB', a: [33, 65], b: [129, 65], transposeA: false, transposeB: true },
  { name: 'tiny (stock path)', a: [3, 4], b: [5, 4], transposeA: false, transposeB: true },
  { name: 'batched, shared b', a: [3, 40, 50], b: [60, 50], transposeA: false, transposeB: true },
  { name: 'batched, shared b, transposeA', a: [4, 50, 40], b: [50, 30], transposeA: true, transposeB: false },
  { name: 'batched both', a: [3, 40, 50], b: [3, 50, 60], transposeA: false, transposeB: false },
  { name: 'batched both, transposed', a: [2, 50, 40], b: [2, 60, 50], transposeA: true, transposeB: true },
  { name: 'broadcast a', a: [1, 40, 50], b: [3, 60, 50], transposeA: false, transposeB: true },
  { name: 'broadcast a over rank 4', a: [40, 50], b: [2, 3, 50, 60], transposeA: false, transposeB: false },
  { name: 'plain (already fast)', a: [64, 200], b: [200, 100], transposeA: false, transposeB: false },
  // A dense layer's forward pass: packing the small xᵀ instead of the weights.
  { name: 'plain, weights larger than the batch (swapped)', a: [1, 32, 300], b: [1, 300, 200], transposeA: false, transposeB: false },
  { name: 'plain rank 2, swapped', a: [16, 784], b: [784, 96], transposeA: false, transposeB: false },
  { name: 'plain, 256-multiple weights (stock)', a: [16, 512], b: [512, 256], transposeA: false, transposeB: false },
]

describe('wasm BatchMatMul override', () => {
  for (const c of cases) {
    it(`matches cpu: ${c.name}`, async () => {
      const inputs = {
        a: {
          values: seededValues(
            c.a.reduce((x, y) => x * y),
            1,
          ),
          shape: c.a,
        },
        b: {
          values: seededValues(
            c.b.reduce((x, y) => x * y),
            2,
          ),
          shape: c.b,
        },
      }
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB }
      const wasm = withoutLeaks(() => runKernelValues(tf.BatchMatMul, inputs, attrs))
      const cpu = await onCpu(() => runKernelValues(tf.BatchMatMul, inputs, attrs))
      const shape = (): number[] =>
        tf.tidy(
          () =>
            (
              tf.engine().runKernel(
                tf.BatchMatMul,
                {
                  a: tf.tensor(inputs.a.values, inputs.a.shape),
                  b: tf.tensor(inputs.b.values, inputs.b.shape),
                },
                attrs,
              ) as tf.Tensor
            ).shape,
        )
      expect(shape()).toEqual(await onCpu(shape))
      errors[c.name] = relErr(wasm, cpu)
      expect(errors[c.name]).toBeLessThanOrEqual(TOL)
    })
  }

  it('matches the stock kernel, which it only reorganises', () => {
    const inputs = {
      a: { values: seededValues(64 * 300, 3), shape: [64, 300] },
      b: { values: seededValues(64 * 200, 4), shape: [64, 200] },
    }
    const attrs = { transposeA: true, transposeB: false }
    const ours = runKernelValues(tf.BatchMatMul, inputs, attrs)
    unregisterWasmKernels([tf.BatchMatMul])
    try {
      expect(relErr(ours, runKernelValues(tf.BatchMatMul, inputs, attrs))).toBeLessThanOrEqual(TOL)
    } finally {
      registerWasmKernels([tf.BatchMatMul])
    }
  })

  it('gives fresh results when an operand is rewritten in place between calls', () => {
    // XNNPACK caches packed weights by tensor id; transposed scratch copies must never hit it.
    const w = tf.variable(tf.tensor2d(seededValues(100 * 80, 5), [100, 80]))
    const dy = tf.tensor2d(seededValues(64 * 80, 6), [64, 80])
    const first = tf.tidy(() => tf.matMul(dy, w, false, true).dataSync())
    w.assign(tf.mul(w, 2) as tf.Tensor2D)
    const second = tf.tidy(() => tf.matMul(dy, w, false, true).dataSync())
    expect(
      relErr(
        second,
        first.map((v) => 2 * v),
      ),
    ).toBeLessThanOrEqual(TOL)
    tf.dispose([w, dy])
  })

  it('rejects mismatched inner dimensions like the stock kernel', () => {
    expect(() => tf.tidy(() => tf.matMul(tf.zeros([4, 5]), tf.zeros([6, 5]), true, true))).toThrow(/inner shapes/)
  })
})
