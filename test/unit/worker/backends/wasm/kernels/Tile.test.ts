import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmBackend, onCpu, seededValues, withoutLeaks } from '../../../../../helpers/wasm'
import { size } from './reductionCases'

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

describe('wasm Tile override', () => {
  const tiles: { shape: number[]; reps: number[]; dtype?: 'int32' | 'bool' }[] = [
    { shape: [1, 1, 1, 16], reps: [8, 7, 5, 1] },
    { shape: [2, 3], reps: [3, 2] },
    { shape: [2, 1, 3], reps: [1, 4, 1] },
    { shape: [3], reps: [5] },
    { shape: [2, 3, 4], reps: [1, 1, 1] },
    { shape: [2, 3], reps: [0, 2] },
    { shape: [2, 2], reps: [2, 3], dtype: 'int32' },
    { shape: [2, 2], reps: [3, 1], dtype: 'bool' },
  ]
  for (const c of tiles) {
    it(`matches cpu: ${JSON.stringify(c.shape)} × ${JSON.stringify(c.reps)} ${c.dtype ?? 'float32'}`, async () => {
      const values = seededValues(size(c.shape), 5)
      const run = (): number[] =>
        tf.tidy(() => {
          const t =
            c.dtype === undefined
              ? tf.tensor(values, c.shape)
              : c.dtype === 'bool'
                ? tf.tensor(
                    Array.from(values, (v) => v > 0),
                    c.shape,
                    'bool',
                  )
                : tf.tensor(
                    Array.from(values, (v) => Math.round(v * 10)),
                    c.shape,
                    'int32',
                  )
          const out = tf.tile(t, c.reps)
          expect(out.dtype).toBe(c.dtype ?? 'float32')
          return Array.from(out.dataSync())
        })
      const wasm = withoutLeaks(run)
      expect(wasm).toEqual(await onCpu(run))
    })
  }
})
