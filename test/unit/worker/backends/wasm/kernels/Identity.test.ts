import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, withoutLeaks } from '../../../../../helpers/wasm'

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

const ids = (): number => (tf.engine().findBackend('wasm') as unknown as { numDataIds(): number }).numDataIds()

describe('wasm Identity override', () => {
  it('clones share the buffer, which outlives the original', () => {
    withoutLeaks(() => {
      const a = tf.tensor1d([1, 2, 3])
      const before = ids()
      const b = a.clone()
      expect(ids()).toBe(before) // no new buffers
      a.dispose()
      expect(Array.from(b.dataSync())).toEqual([1, 2, 3])
      b.dispose()
    })
  })
})
