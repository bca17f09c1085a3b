import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { WASM_KERNEL_PROVIDERS } from '../../../../../../src-main/worker/backends/wasm'
import {
  activeWasmKernels,
  ourWasmKernels,
  registerWasmKernels,
  unregisterWasmKernels,
  WASM_KERNEL_NAMES,
} from '../../../../../../src-main/worker/backends/wasm/kernels/registry'
import { SgdMomentum } from '../../../../../../src-main/core/sgd'
import { initWasmBackend, onCpu, relErr, seededValues, withoutLeaks } from '../../../../../helpers/wasm'

const errors: Record<string, number> = {}
let stock: Map<string, tf.KernelConfig | undefined>
let registeredBeforeInit: string[] = []

beforeAll(async () => {
  stock = new Map(WASM_KERNEL_NAMES.map((n) => [n, tf.getKernel(n, 'wasm')]))
  // As the trainer does: register first, initialise the backend after (the stock setup functions
  // that bind the C entry points must still run, through our configs).
  registeredBeforeInit = registerWasmKernels()
  await initWasmBackend()
})

afterAll(() => console.log('end-to-end max relative errors vs cpu', errors))

describe('wasm kernel registry', () => {
  it('registers every kernel once, even across module reloads', async () => {
    expect(registeredBeforeInit).toEqual([...WASM_KERNEL_NAMES])
    expect(activeWasmKernels()).toEqual([...WASM_KERNEL_NAMES])
    expect(registerWasmKernels()).toEqual([])
    vi.resetModules()
    const again = await import('../../../../../../src-main/worker/backends/wasm/kernels/registry')
    expect(again.registerWasmKernels()).toEqual([])
    expect(again.activeWasmKernels()).toEqual([...WASM_KERNEL_NAMES])
  })

  it('lists exactly the kernels of the op files beside it, and is what the wasm backend registers', async () => {
    const dir = resolve('src-main/worker/backends/wasm/kernels')
    const fromFiles: string[] = []
    for (const file of readdirSync(dir).filter((f) => /^[A-Z]\w*\.ts$/.test(f))) {
      const exported = Object.values((await import(join(dir, file))) as Record<string, unknown>)
      const kernels = exported.filter((v): v is { kernelName: string } => typeof v === 'object' && v !== null && 'kernelName' in v && 'create' in v)
      expect(kernels.length, `${file} exports no kernel`).toBeGreaterThan(0)
      fromFiles.push(...kernels.map((k) => k.kernelName))
    }
    expect(fromFiles.sort()).toEqual([...WASM_KERNEL_NAMES].sort())
    expect(ourWasmKernels.kernelNames).toBe(WASM_KERNEL_NAMES)
    expect(WASM_KERNEL_PROVIDERS).toContain(ourWasmKernels)
    expect(ourWasmKernels.active()).toEqual([...WASM_KERNEL_NAMES])
  })

  it('restores the stock kernels on unregister and overrides them again on register', () => {
    expect(unregisterWasmKernels([tf.BatchMatMul, tf.Tile])).toEqual([tf.BatchMatMul, tf.Tile])
    expect(tf.getKernel(tf.BatchMatMul, 'wasm')).toBe(stock.get(tf.BatchMatMul))
    expect(tf.getKernel(tf.Tile, 'wasm')).toBe(stock.get(tf.Tile))
    expect(activeWasmKernels()).not.toContain(tf.BatchMatMul)
    expect(registerWasmKernels([tf.BatchMatMul, tf.Tile])).toEqual([tf.BatchMatMul, tf.Tile])
    expect(tf.getKernel(tf.BatchMatMul, 'wasm')).not.toBe(stock.get(tf.BatchMatMul))
    // The kernel the stock wasm lacks is removed outright.
    expect(unregisterWasmKernels([tf.Conv2DBackpropFilter])).toEqual([tf.Conv2DBackpropFilter])
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(stock.get(tf.Conv2DBackpropFilter))
    registerWasmKernels()
    expect(activeWasmKernels()).toEqual([...WASM_KERNEL_NAMES])
  })

  it('trains the bench-style CNN for 5 SGD steps to the same weights as cpu (≤ 2e-5)', async () => {
    // conv3×3·8 → BN → ReLU → maxpool2 → conv3×3·8 → BN → ReLU → maxpool2 → dense 10: every
    // kernel we override is on this path.
    const N = 16
    const xv = seededValues(N * 12 * 12 * 1, 1).map((v) => (v + 1) / 2)
    const labels = Int32Array.from(seededValues(N, 2), (v) => Math.floor((v + 1) * 5) % 10)
    const shapes: Record<string, number[]> = {
      c1: [3, 3, 1, 8],
      g1: [8],
      b1: [8],
      c2: [3, 3, 8, 8],
      g2: [8],
      b2: [8],
      fw: [3 * 3 * 8, 10],
      fb: [10],
    }
    const init = Object.fromEntries(
      Object.entries(shapes).map(([k, s], i) => {
        const n = s.reduce((a, b) => a * b)
        return [k, k.startsWith('g') ? new Float32Array(n).fill(1) : seededValues(n, 10 + i).map((v) => v * 0.5)]
      }),
    )
    const train = (): Record<string, Float32Array> => {
      const p = new Map(Object.entries(shapes).map(([k, s]) => [k, tf.tidy(() => tf.variable(tf.tensor(init[k]!, s), true, `reg.${k}.${Math.random()}`))]))
      const v = (k: string): tf.Variable => p.get(k)!
      const bn = (h: tf.Tensor4D, g: string, b: string): tf.Tensor4D => {
        const m = tf.moments(h, [0, 1, 2])
        return tf.batchNorm(h, m.mean, m.variance, v(b), v(g), 1e-5) as tf.Tensor4D
      }
      const sgd = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })
      const names = new Map([...p].map(([k, t]) => [t.name, k]))
      for (let step = 0; step < 5; step++) {
        tf.tidy(() => {
          const x = tf.tensor4d(xv, [N, 12, 12, 1])
          const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), 10)
          const { grads } = tf.variableGrads(() => {
            let h = tf.maxPool(tf.relu(bn(tf.conv2d(x, v('c1') as tf.Tensor4D, 1, 'same'), 'g1', 'b1')), 2, 2, 'valid')
            h = tf.maxPool(tf.relu(bn(tf.conv2d(h, v('c2') as tf.Tensor4D, 1, 'same'), 'g2', 'b2')), 2, 2, 'valid')
            const logits = tf.add(tf.matMul(tf.reshape(h, [N, 72]) as tf.Tensor2D, v('fw')), v('fb'))
            return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar
          }, [...p.values()])
          sgd.step(p, Object.fromEntries(Object.entries(grads).map(([n, g]) => [names.get(n)!, g])))
        })
      }
      const out = Object.fromEntries([...p].map(([k, t]) => [k, t.dataSync() as Float32Array]))
      sgd.dispose()
      tf.dispose([...p.values()])
      return out
    }
    const wasm = withoutLeaks(train)
    const cpu = await onCpu(train)
    for (const k of Object.keys(shapes)) {
      expect(relErr(wasm[k]!, init[k]!)).toBeGreaterThan(1e-3) // it did train
      errors[`weights ${k}`] = relErr(wasm[k]!, cpu[k]!)
      expect(errors[`weights ${k}`]).toBeLessThanOrEqual(2e-5)
    }
  })
})
