/**
 * The wasm backend as the chain starts it: every kernel provider's kernels registered and
 * reported, the threads it runs with described. One thread for everything here (the threaded
 * start has tests of its own in test/unit/worker/threads/).
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendLabel } from '../../../../../src-main/contract/api'
import { selectBackend } from '../../../../../src-main/worker/backends'
import { WASM_KERNEL_PROVIDERS } from '../../../../../src-main/worker/backends/wasm'
import { WASM_KERNEL_NAMES } from '../../../../../src-main/worker/backends/wasm/kernels/registry'

const saved = { gemm: process.env.SPLINE_LAB_GEMM_THREADS, wasm: process.env.SPLINE_LAB_WASM_THREADS }

beforeAll(() => {
  process.env.SPLINE_LAB_GEMM_THREADS = '1'
  process.env.SPLINE_LAB_WASM_THREADS = '1'
})

afterAll(() => {
  for (const [name, value] of [
    ['SPLINE_LAB_GEMM_THREADS', saved.gemm],
    ['SPLINE_LAB_WASM_THREADS', saved.wasm],
  ] as const) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

describe('wasm backend', () => {
  it('starts with every provider’s kernels and reports them, and its threads, in BackendInfo', async () => {
    const info = await selectBackend('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(info).toMatchObject({ backend: 'wasm', requested: 'wasm', attempts: [{ candidate: '@tensorflow/tfjs-backend-wasm', ok: true }] })
    expect(info.customKernels).toEqual(WASM_KERNEL_PROVIDERS.flatMap((p) => p.kernelNames))
    expect(info.customKernels).toEqual([...WASM_KERNEL_NAMES])
    for (const p of WASM_KERNEL_PROVIDERS) expect(p.active()).toEqual([...p.kernelNames])
    expect(info.wasmThreads).toEqual({ requested: 1, threads: 1, gemmThreads: 1, reason: 'one thread requested (SPLINE_LAB_WASM_THREADS)' })
    expect(info.webgpu).toBeUndefined()
    expect(backendLabel(info)).toBe('wasm (1 thread)')
  })

  it('loads once: a second selection reports the same kernels', async () => {
    const again = await selectBackend('wasm')
    expect(again.customKernels).toEqual([...WASM_KERNEL_NAMES])
  })
})
