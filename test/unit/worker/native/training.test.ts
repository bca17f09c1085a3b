/**
 * The native kernels as the trainer would run them: on the threaded wasm binary (its heap a
 * SharedArrayBuffer), under our wasm kernels, through whole SGD steps of the product's networks.
 */
import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildSpec } from '../../../../src-main/core/models'
import { Network } from '../../../../src-main/core/network'
import { SgdMomentum } from '../../../../src-main/core/sgd'
import { localStep } from '../../../../src-main/core/step'
import { registerWasmKernels } from '../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmWithThreads } from '../../../../src-main/worker/threads/threadedWasm'
import { activeNativeKernels, NATIVE_KERNEL_NAMES, registerNativeKernels, unregisterNativeKernels } from '../../../../src-main/worker/native'
import { calls, native, suiteName } from '../../../helpers/native'
import { onCpu, relErr, seededValues } from '../../../helpers/wasm'

function train(model: string, input: number[], width: number, steps: number): Float32Array[] {
  const spec = buildSpec(model, input, 4, { width })
  const net = new Network(spec, 7)
  const sgd = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })
  const size = input.reduce((a, b) => a * b, 1)
  const step = localStep(net, sgd, size, 4)
  for (let s = 0; s < steps; s++) {
    const y = Int32Array.from({ length: 16 }, (_, i) => (i + s) % 4)
    step.run(seededValues(16 * size, 10 + s), y, 16)
  }
  const out = [...net.trainable.values(), ...net.buffers.values()].map((v) => v.dataSync() as Float32Array)
  sgd.dispose()
  net.dispose()
  return out
}

describe.skipIf(!native.ok)(suiteName('native kernels in training on the threaded wasm heap'), () => {
  beforeAll(async () => {
    const state = await initWasmWithThreads(wasm, 1, { sharedMemory: true })
    expect(state.reason ?? '').toBe('')
    expect(await tf.setBackend('wasm')).toBe(true)
    registerWasmKernels()
    expect(registerNativeKernels().registered).toEqual(NATIVE_KERNEL_NAMES)
  })

  it('runs on a SharedArrayBuffer heap', () => {
    const heap = (tf.backend() as unknown as BackendWasm as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8
    expect(heap.buffer).toBeInstanceOf(SharedArrayBuffer)
  })

  // Small enough for the cpu backend's reference loops.
  for (const [model, input, width] of [
    ['cnn', [12, 12, 1], 0.25],
    ['vgg11', [16, 16, 3], 0.125],
  ] as [string, number[], number][]) {
    it(`trains the ${model} (conv, max pooling, BN, dense) to the weights cpu reaches, leaking nothing`, async () => {
      // Through the registered kernels here (not a counting wrapper): count by kernel instead.
      const before = tf.memory().numTensors
      const profile = await tf.profile(() => {
        train(model, input, width, 1)
      })
      const ran = new Set(profile.kernels.map((k) => k.name))
      for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'SplineLabBatchNormTrain', 'BatchMatMul']) {
        expect(ran.has(k), k).toBe(true)
      }
      const got = train(model, input, width, 3)
      expect(tf.memory().numTensors).toBe(before)
      const cpu = await onCpu(() => train(model, input, width, 3))
      expect(got.length).toBe(cpu.length)
      expect(Math.max(...got.map((w, i) => relErr(w, cpu[i]!)))).toBeLessThanOrEqual(1e-4)
    })
  }

  it('unregisters back to the kernels it replaced, and registers again', () => {
    expect(activeNativeKernels()).toEqual(NATIVE_KERNEL_NAMES)
    expect(unregisterNativeKernels()).toEqual(NATIVE_KERNEL_NAMES)
    expect(activeNativeKernels()).toEqual([])
    // Our wasm fill-ins are back (Conv2DBackpropFilter, the fused BN): training still runs.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined()
    expect(registerNativeKernels().registered).toEqual(NATIVE_KERNEL_NAMES)
    expect(registerNativeKernels().registered).toEqual([])
    expect(calls).toEqual({})
  })
})
