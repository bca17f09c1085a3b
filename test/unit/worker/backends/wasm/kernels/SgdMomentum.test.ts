import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { SGD_MOMENTUM, SgdMomentum } from '../../../../../../src-main/core/sgd'
import { registerWasmKernels, unregisterWasmKernels } from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { setSimdEnabled } from '../../../../../../src-main/worker/backends/wasm/kernels/simd'
import { initWasmBackend, onCpu, relErr, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

beforeAll(async () => {
  await initWasmBackend()
  registerWasmKernels()
})

// Sizes with and without a tail of fewer than four values; a BN γ to exercise bnL1's path.
const SHAPES: Record<string, number[]> = { 'fc.weight': [131, 67], 'fc.bias': [7], 'bn.gamma': [5], 'conv.weight': [3, 3, 4, 8] }

/** Parameters after `steps` SGD steps with seeded gradients (the first step creates the momentum). */
function train(opts: { weightDecay: number; bnL1?: number }, steps = 4): Float32Array[] {
  const params = new Map(
    Object.entries(SHAPES).map(([name, shape], i) => [
      name,
      tf.tidy(() =>
        tf.variable(
          tf.tensor(
            seededValues(
              shape.reduce((a, b) => a * b, 1),
              i + 1,
            ),
            shape,
          ),
          true,
          `sgd-${name}-${Math.random()}`,
        ),
      ),
    ]),
  )
  const sgd = new SgdMomentum({ lr: 0.1, momentum: 0.9, ...opts })
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const grads = Object.fromEntries([...params].map(([name, p], i) => [name, tf.tensor(seededValues(p.size, 100 * s + i), p.shape)]))
      sgd.step(params, grads)
    })
    sgd.lr *= 0.7
  }
  const out = [...params.values()].map((p) => p.dataSync() as Float32Array)
  out.push(...Object.values(sgd.state()).map((s) => s.values))
  sgd.dispose()
  for (const p of params.values()) p.dispose()
  return out
}

const bits = (xs: Float32Array[]): number[][] => xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)))

describe('fused SGD-with-momentum update on wasm', () => {
  for (const opts of [{ weightDecay: 5e-4 }, { weightDecay: 0 }, { weightDecay: 5e-4, bnL1: 1e-4 }]) {
    it(`is bit-identical to the composed ops, SIMD and JavaScript paths (${JSON.stringify(opts)})`, () => {
      const fused = withoutLeaks(() => train(opts))
      setSimdEnabled(false)
      const js = train(opts)
      setSimdEnabled(true)
      unregisterWasmKernels([SGD_MOMENTUM])
      let composed: Float32Array[]
      try {
        expect(tf.getKernel(SGD_MOMENTUM, 'wasm')).toBeUndefined()
        composed = train(opts)
      } finally {
        registerWasmKernels()
      }
      expect(bits(fused)).toEqual(bits(composed))
      expect(bits(js)).toEqual(bits(composed))
      // and it moved the weights (a kernel that returned its inputs would match nothing above)
      expect(relErr(fused[0]!, seededValues(131 * 67, 1))).toBeGreaterThan(1e-3)
    })
  }

  it('agrees with the composed update on cpu', async () => {
    const wasm = train({ weightDecay: 5e-4 })
    const cpu = await onCpu(() => train({ weightDecay: 5e-4 }))
    wasm.forEach((w, i) => expect(relErr(w, cpu[i]!)).toBeLessThanOrEqual(1e-6))
  })
})
