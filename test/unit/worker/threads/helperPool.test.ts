import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendLabel } from '../../../../src-main/contract/api'
import { SGD_MOMENTUM } from '../../../../src-main/core/sgd'
import { selectBackend } from '../../../../src-main/worker/backends'
import {
  closeGemmThreads,
  effectiveGemmThreads,
  gemmStats,
  gemmThreads,
  kernelHelperPath,
  setGemmThreads,
  wantedGemmThreads,
} from '../../../../src-main/worker/threads/helperPool'
import { wasmThreadsState } from '../../../../src-main/worker/threads/threadedWasm'
import { naiveMatMul } from '../../../helpers/naiveMatMul'
import { relErr, seededValues, valuesOf, withoutLeaks } from '../../../helpers/wasm'

const saved = process.env.SPLINE_LAB_GEMM_THREADS

beforeAll(() => {
  process.env.SPLINE_LAB_GEMM_THREADS = '3'
})

afterAll(async () => {
  await closeGemmThreads(tf.backend() as unknown as BackendWasm)
  if (saved === undefined) delete process.env.SPLINE_LAB_GEMM_THREADS
  else process.env.SPLINE_LAB_GEMM_THREADS = saved
})

function product(aShape: number[], bShape: number[], tA: boolean, tB: boolean): Float32Array {
  const av = seededValues(
    aShape.reduce((x, y) => x * y),
    11,
  )
  const bv = seededValues(
    bShape.reduce((x, y) => x * y),
    12,
  )
  return withoutLeaks(() => valuesOf(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), tA, tB)))
}

describe('dense products on helper threads', () => {
  it('reads the thread count from SPLINE_LAB_GEMM_THREADS, else all cores, 1 to 8', () => {
    expect(wantedGemmThreads({ SPLINE_LAB_GEMM_THREADS: '1' })).toBe(1)
    expect(wantedGemmThreads({ SPLINE_LAB_GEMM_THREADS: '64' })).toBe(8)
    expect(wantedGemmThreads({ SPLINE_LAB_GEMM_THREADS: 'x' })).toBe(1)
    expect(wantedGemmThreads({})).toBeGreaterThanOrEqual(1)
  })

  it('runs its helpers from the built worker entry (out/main/kernelHelper.js)', () => {
    expect(kernelHelperPath(), "no kernel helper bundle: run 'npm run build' first").toMatch(/[\\/]out[\\/]main[\\/]kernelHelper\.js$/)
  })

  it('starts the trainer wasm on shared memory with one XNNPACK thread, and says so', async () => {
    const info = await selectBackend('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(wasmThreadsState()).toEqual({ requested: 1, threads: 1 })
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory: { buffer: unknown } } }).wasm.wasmMemory
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(info.wasmThreads).toMatchObject({ threads: 1, gemmThreads: 3 })
    // one XNNPACK thread never starts a pthread: the 8 the binary pre-spawned are ended
    const pool = (tf.backend() as unknown as { wasm: { PThread: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } }).wasm.PThread
    expect([pool.unusedWorkers.length, pool.runningWorkers.length]).toEqual([0, 0])
    expect(backendLabel(info)).toBe('wasm (1 thread, dense products on 3)')
  })

  it('splits large products over the helpers, bit-identical to one thread, in every orientation', () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[64, 784], [784, 512], false, false],
      [[64, 784], [64, 516], true, false],
      [[64, 512], [300, 512], false, true],
      [[200, 64], [300, 200], true, true],
    ]
    for (const [aShape, bShape, tA, tB] of cases) {
      setGemmThreads(3)
      const splits = gemmStats.splits
      const split = product(aShape, bShape, tA, tB)
      expect(gemmStats.splits, `${aShape} ${bShape}`).toBe(splits + 1)
      setGemmThreads(1)
      const alone = product(aShape, bShape, tA, tB)
      expect(gemmStats.splits).toBe(splits + 1)
      expect(split).toEqual(alone)
      const ref = naiveMatMul(seededValues(aShape[0]! * aShape[1]!, 11), seededValues(bShape[0]! * bShape[1]!, 12), aShape, bShape, tA, tB)
      expect(relErr(split, ref)).toBeLessThanOrEqual(2e-5)
    }
    setGemmThreads(3)
    expect(gemmThreads()).toBe(3)
    expect(effectiveGemmThreads(tf.backend() as unknown as BackendWasm)).toBe(3)
  })

  it('splits the fused SGD update of a large parameter too, bit-identical to one thread', () => {
    const n = 400_003 // a tail of 3 for the JavaScript path
    const update = (threads: number): Float32Array[] => {
      setGemmThreads(threads)
      return withoutLeaks(() =>
        tf.tidy(() => {
          const [theta, v, g] = [1, 2, 3].map((s) => tf.tensor1d(seededValues(n, s)))
          const out = tf.engine().runKernel(SGD_MOMENTUM, { theta: theta!, v: v!, g: g! }, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }) as tf.Tensor[]
          return out.map((t) => t.dataSync() as Float32Array)
        }),
      )
    }
    const jobs = gemmStats.jobSplits
    const split = update(3)
    expect(gemmStats.jobSplits).toBe(jobs + 1)
    const alone = update(1)
    expect(gemmStats.jobSplits).toBe(jobs + 1)
    setGemmThreads(3)
    expect(split).toEqual(alone)
    // and it is the update: θ' = θ − lr·(μ·v + g + wd·θ), checked in float64 at a few places
    const [theta, v, g] = [1, 2, 3].map((s) => seededValues(n, s))
    for (const i of [0, 123_457, n - 1]) {
      const want = theta![i]! - 0.05 * (0.9 * v![i]! + g![i]! + 5e-4 * theta![i]!)
      expect(Math.abs(split[0]![i]! - want)).toBeLessThan(1e-6)
    }
  })

  it('hands out chunks correctly over hundreds of back-to-back jobs of changing sizes', () => {
    // Jobs follow each other faster than a helper wakes: a late helper must never take a chunk
    // of the wrong job, nor leave one undone (the chunk counter carries the job's number).
    const shapes: [number[], number[], boolean, boolean][] = [
      [[64, 784], [784, 512], false, false],
      [[64, 512], [64, 516], true, false],
      [[64, 512], [512, 512], false, true],
      [[33, 300], [300, 2000], false, false],
    ]
    const inputs = shapes.map(([a, b], i) => [tf.tensor(seededValues(a[0]! * a[1]!, i), a), tf.tensor(seededValues(b[0]! * b[1]!, i + 9), b)] as const)
    const run = (k: number): Buffer => {
      const [a, b] = inputs[k]!
      const [, , tA, tB] = shapes[k]!
      const x = valuesOf(() => tf.matMul(a, b, tA, tB))
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength)
    }
    setGemmThreads(1)
    const alone = shapes.map((_, k) => run(k))
    setGemmThreads(3)
    const jobs = gemmStats.jobSplits
    let wrong = 0
    for (let i = 0; i < 300; i++) {
      const k = (i * 7) % shapes.length
      if (!run(k).equals(alone[k]!)) wrong++
    }
    tf.dispose(inputs.flat())
    expect(wrong).toBe(0)
    expect(gemmStats.jobSplits - jobs).toBeGreaterThanOrEqual(300)
  })

  it('keeps small products on the calling thread', () => {
    const splits = gemmStats.splits
    product([16, 64], [64, 64], false, false)
    expect(gemmStats.splits).toBe(splits)
  })

  it("never needs a pthread afterwards: training steps leave emscripten's pool empty", () => {
    const pool = (tf.backend() as unknown as { wasm: { PThread: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } }).wasm.PThread
    product([64, 784], [784, 512], false, false)
    tf.tidy(() => tf.conv2d(tf.ones([8, 16, 16, 4]) as tf.Tensor4D, tf.ones([3, 3, 4, 8]) as tf.Tensor4D, 1, 'same').dataSync())
    expect([pool.unusedWorkers.length, pool.runningWorkers.length]).toEqual([0, 0])
  })

  it('starts helpers again after they were closed', async () => {
    await closeGemmThreads(tf.backend() as unknown as BackendWasm)
    const splits = gemmStats.splits
    const a = product([64, 512], [512, 512], false, false)
    expect(gemmStats.splits).toBe(splits + 1)
    expect(relErr(a, naiveMatMul(seededValues(64 * 512, 11), seededValues(512 * 512, 12), [64, 512], [512, 512], false, false))).toBeLessThanOrEqual(2e-5)
  })
})
