import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, withoutLeaks } from '../../../../../helpers/wasm'

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

const ids = (): number => (tf.engine().findBackend('wasm') as unknown as { numDataIds(): number }).numDataIds()

describe('wasm Cast override', () => {
  it('same-dtype casts share the buffer, which outlives the original', () => {
    withoutLeaks(() => {
      const a = tf.tensor1d([1, 2, 3])
      const before = ids()
      const c = tf.cast(a, 'float32')
      expect(ids()).toBe(before) // no new buffers
      a.dispose()
      expect(Array.from(c.dataSync())).toEqual([1, 2, 3])
      c.dispose()
    })
    const t = tf.tensor1d([1.5, -2.5, 0])
    // Real conversions still go to the stock kernel.
    expect(Array.from(tf.cast(t, 'int32').dataSync())).toEqual([1, -2, 0])
    t.dispose()
  })

  it('casts to bool as x ≠ 0, like cpu (stock wasm truncates: 0.5 → false, 256 → false)', async () => {
    const run = (): number[][] =>
      tf.tidy(() => [
        Array.from(tf.cast(tf.tensor1d([0.5, 2, 256, -0.5, 0, NaN, -0]), 'bool').dataSync()),
        Array.from(tf.cast(tf.tensor1d([3, 0, -256], 'int32'), 'bool').dataSync()),
      ])
    const wasm = withoutLeaks(run)
    expect(wasm).toEqual([
      [1, 1, 1, 1, 0, 1, 0],
      [1, 0, 1],
    ])
    expect(wasm).toEqual(await onCpu(run))
  })
})
