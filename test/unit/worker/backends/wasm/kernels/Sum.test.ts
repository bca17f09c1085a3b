import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels, unregisterWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, relErr, runKernelValues } from '../../../../../helpers/wasm'
import { cancelling, reductionMatchesCpu, reductionName, reductions, size } from './reductionCases'

const errors: Record<string, number> = {}

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

afterAll(() => console.log('Sum max relative errors vs cpu', errors))

describe('wasm Sum override (float64 accumulation)', () => {
  for (const r of reductions) {
    const name = reductionName(tf.Sum, r)
    it(`matches cpu: ${name}`, async () => {
      errors[name] = await reductionMatchesCpu(tf.Sum, r, cancelling(size(r.shape), 1))
    })
  }

  it('is far closer to cpu than stock wasm on a BN-sized channel sum (the reason it exists)', async () => {
    const x = { values: cancelling(64 * 28 * 28 * 16, 2), shape: [64, 28, 28, 16] }
    const attrs = { axis: [0, 1, 2], keepDims: false }
    const cpu = await onCpu(() => runKernelValues(tf.Sum, { x }, attrs))
    const ours = runKernelValues(tf.Sum, { x }, attrs)
    unregisterWasmKernels([tf.Sum])
    const stock = runKernelValues(tf.Sum, { x }, attrs)
    registerWasmKernels([tf.Sum])
    errors['BN channel sum, ours'] = relErr(ours, cpu)
    errors['BN channel sum, stock wasm'] = relErr(stock, cpu)
    expect(errors['BN channel sum, ours']).toBeLessThanOrEqual(1e-6)
    expect(errors['BN channel sum, ours']).toBeLessThan(errors['BN channel sum, stock wasm']!)
  })

  it('leaves int32 and bool sums to the stock kernel', async () => {
    const ints = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).arraySync())
    expect(ints).toEqual([4, 6])
  })
})
