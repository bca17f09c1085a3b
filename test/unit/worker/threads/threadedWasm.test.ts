import * as tf from '@tensorflow/tfjs'
import * as wasm from '@tensorflow/tfjs-backend-wasm'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../../src-main/worker/backends'
import { wantedWasmThreads, wasmThreadsState } from '../../../../src-main/worker/threads/threadedWasm'
import { onCpu, relErr, seededValues, withoutLeaks } from '../../../helpers/wasm'
import { setting } from '../../../../src-main/settings/settings'

const saved = process.env.SPLINE_LAB_WASM_THREADS

beforeAll(() => {
  process.env.SPLINE_LAB_WASM_THREADS = '2'
})

afterAll(() => {
  if (saved === undefined) delete process.env.SPLINE_LAB_WASM_THREADS
  else process.env.SPLINE_LAB_WASM_THREADS = saved
})

describe('wasm threads in Node', () => {
  it('reads the thread count from SPLINE_LAB_WASM_THREADS, 1 to 8', () => {
    expect(wantedWasmThreads(setting('wasmThreads', { SPLINE_LAB_WASM_THREADS: '0' }))).toBe(1)
    expect(wantedWasmThreads(setting('wasmThreads', { SPLINE_LAB_WASM_THREADS: '3' }))).toBe(3)
    expect(wantedWasmThreads(setting('wasmThreads', { SPLINE_LAB_WASM_THREADS: '64' }))).toBe(8)
    expect(wantedWasmThreads(setting('wasmThreads', { SPLINE_LAB_WASM_THREADS: 'x' }))).toBe(1)
  })

  it('initialises the wasm backend through the trainer path with 2 threads, and computes like cpu', async () => {
    const info = await selectBackend('wasm')
    expect(info.backend).toBe('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(wasmThreadsState()).toEqual({ requested: 2, threads: 2 })
    expect(wasm.getThreadsCount()).toBe(2)
    expect(info.customKernels).toContain('BatchMatMul')
    // Threaded XNNPACK conv + matmul under our kernels, through autodiff.
    const xv = seededValues(8 * 16 * 16 * 4, 1)
    const wv = seededValues(3 * 3 * 4 * 16, 2)
    const fv = seededValues(8 * 8 * 16 * 10, 3)
    const grads = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, [8, 16, 16, 4])
        const f = (w: tf.Tensor, d: tf.Tensor): tf.Scalar => {
          const h = tf.maxPool(tf.relu(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')), 2, 2, 'valid')
          return tf.sum(tf.square(tf.matMul(tf.reshape(h, [8, 8 * 8 * 16]) as tf.Tensor2D, d as tf.Tensor2D)))
        }
        return tf
          .grads(f)([tf.tensor4d(wv, [3, 3, 4, 16]), tf.tensor2d(fv, [8 * 8 * 16, 10])])
          .map((g) => g.dataSync() as Float32Array)
      })
    const got = withoutLeaks(grads)
    const cpu = await onCpu(grads)
    got.forEach((g, i) => expect(relErr(g, cpu[i]!)).toBeLessThanOrEqual(2e-5))
  })

  it('lets a worker thread that used wasm threads, and its process, exit on their own', () => {
    // The module is compiled to plain JS and run in a fresh process: a worker thread (as the
    // trainer is) starts threaded wasm, multiplies, reports and returns. Emscripten keeps its
    // pool threads referenced; unless we unref them the process would never exit.
    const dir = resolve('node_modules/.cache/spline-lab-tests/wasm-threads')
    mkdirSync(dir, { recursive: true })
    const src = readFileSync(resolve('src-main/worker/threads/threadedWasm.ts'), 'utf8')
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    writeFileSync(join(dir, 'threadedWasm.mjs'), js.outputText)
    writeFileSync(
      join(dir, 'inner.mjs'),
      [
        "import { parentPort } from 'node:worker_threads'",
        "import * as tf from '@tensorflow/tfjs'",
        "import * as wasm from '@tensorflow/tfjs-backend-wasm'",
        "import { initWasmWithThreads } from './threadedWasm.mjs'",
        'const state = await initWasmWithThreads(wasm, 2)',
        'const y = tf.matMul(tf.ones([256, 256]), tf.ones([256, 256])).dataSync()[0]',
        'parentPort.postMessage({ state, y })',
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'outer.mjs'),
      [
        "import { Worker } from 'node:worker_threads'",
        "const w = new Worker(new URL('./inner.mjs', import.meta.url))",
        "w.on('message', (m) => console.log(JSON.stringify(m)))",
      ].join('\n'),
    )
    const r = spawnSync(process.execPath, [join(dir, 'outer.mjs')], { encoding: 'utf8', timeout: 60_000 })
    expect(r.signal, `did not exit on its own: ${r.stderr}`).toBeNull()
    expect(r.status, r.stderr).toBe(0)
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
    expect(JSON.parse(line!)).toEqual({ state: { requested: 2, threads: 2 }, y: 256 })
  })
})
