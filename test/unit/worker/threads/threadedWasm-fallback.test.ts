import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import { describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../../../src-main/worker/backends/wasm/kernels/registry'
import { initWasmWithThreads } from '../../../../src-main/worker/threads/threadedWasm'

describe('wasm threads fall back to one thread', () => {
  it('does not try on a tfjs-backend-wasm version it was not tested with', async () => {
    const state = await initWasmWithThreads({ ...wasm, version_wasm: '9.9.9' } as unknown as typeof wasm, 2)
    expect(state).toEqual({ requested: 2, threads: 1, reason: 'untested tfjs-backend-wasm 9.9.9' })
  })

  it('survives a pthread worker that fails to start, then runs single-threaded', async () => {
    registerWasmKernels()
    // Without the prelude the factory's module variables are undefined in the workers, which
    // then throw while loading: emscripten would rethrow that and kill the process.
    const state = await initWasmWithThreads(wasm, 2, { factoryPrelude: '', timeoutMs: 20_000 })
    expect(state.threads).toBe(1)
    expect(state.reason).toMatch(/^threaded start failed: .*require\$\$/)
    // What selectBackend does next: the plain tf.setBackend starts the single-threaded binary.
    expect(await tf.setBackend('wasm')).toBe(true)
    expect(wasm.getThreadsCount()).toBe(1)
    const y = tf.tidy(() => tf.matMul(tf.ones([64, 300]), tf.ones([300, 64]), false, false).dataSync()[0])
    expect(y).toBe(300)
  })
})
