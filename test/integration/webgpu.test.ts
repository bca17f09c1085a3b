/**
 * The webgpu backend for real: Dawn (the `webgpu` package) over whatever Vulkan driver the
 * machine has — in CI Mesa's CPU driver lavapipe from bookworm-backports (.ci/run installs it).
 * Trains the product's Network with localStep on webgpu and on cpu from the same seed and
 * compares, checks for leaked tensors, and that a trainer worker and the CLI on webgpu exit.
 *
 * Skips, saying why, only where no adapter can be had; SPLINE_LAB_REQUIRE_WEBGPU=1 (set by
 * .ci/run) turns that skip into a failure, so CI cannot silently stop testing this path.
 */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BackendInfo } from '../../src-main/contract/api'
import { buildSpec } from '../../src-main/core/models'
import { Network } from '../../src-main/core/network'
import { SgdMomentum } from '../../src-main/core/sgd'
import { localStep } from '../../src-main/core/step'
import { releaseBackend, selectBackend } from '../../src-main/worker/backends'
import { CLI, WORKER_BUNDLE, tempDir } from '../helpers/tmp'
import { relErr, seededValues } from '../helpers/wasm'

let info: BackendInfo | null = null
let unavailable = ''

beforeAll(async () => {
  try {
    info = await selectBackend('webgpu')
  } catch (err) {
    unavailable = err instanceof Error ? err.message : String(err)
    if (process.env.SPLINE_LAB_REQUIRE_WEBGPU === '1') throw new Error(`SPLINE_LAB_REQUIRE_WEBGPU=1 but ${unavailable}`, { cause: err })
  }
})

afterAll(async () => {
  await releaseBackend()
})

const tmp = tempDir()
afterAll(() => tmp.cleanup())

interface Trace {
  losses: number[]
  correct: number[]
  weights: Record<string, Float32Array>
  leaked: number
}

/** `steps` SGD steps of `model` on fixed data, on the current backend, from seed 11. */
async function train(model: 'mlp' | 'cnn', steps: number): Promise<Trace> {
  // Inputs and layers above tfjs-webgpu's CPU hand-off size (1000 elements), so the GPU kernels
  // run rather than cpu's for CPU-resident operands.
  const input = model === 'mlp' ? [48] : [12, 12, 1]
  const features = input.reduce((a, b) => a * b, 1)
  const batch = 32
  const spec = buildSpec(model, input, 3, model === 'mlp' ? { hidden: [64, 32] } : { width: 0.5 })
  const before = tf.memory().numTensors
  const net = new Network(spec, 11)
  const opt = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })
  const step = localStep(net, opt, features, 3)
  const trace: Trace = { losses: [], correct: [], weights: {}, leaked: 0 }
  for (let s = 0; s < steps; s++) {
    const x = seededValues(batch * features, 100 + s)
    const y = Int32Array.from({ length: batch }, (_, i) => (i * 7 + s) % 3)
    const r = await step.run(x, y, batch)
    trace.losses.push(r.loss)
    trace.correct.push(r.correct)
  }
  step.dispose()
  for (const [name, v] of [...net.trainable, ...net.buffers]) trace.weights[name] = (await v.data()) as Float32Array
  opt.dispose()
  net.dispose()
  trace.leaked = tf.memory().numTensors - before
  return trace
}

async function onBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  expect(await tf.setBackend(name)).toBe(true)
  expect(tf.getBackend()).toBe(name)
  return fn()
}

describe('webgpu backend (Dawn)', () => {
  it('is forced by name even on a CPU adapter, and says which adapter it is', (t) => {
    if (!info) t.skip(`no WebGPU here: ${unavailable}`)
    expect(info!.backend).toBe('webgpu')
    expect(info!.attempts).toEqual([{ candidate: 'webgpu (Dawn)', ok: true }])
    expect(info!.webgpu?.description || info!.webgpu?.device).toBeTruthy()
    if (/llvmpipe|lavapipe/i.test(info!.webgpu!.description)) expect(info!.webgpu!.cpu).toBe(true)
  })

  it.for([
    ['mlp', 6],
    ['cnn', 4],
  ] as const)('trains the %s like cpu, without leaking tensors', async ([model, steps], t) => {
    if (!info) t.skip(`no WebGPU here: ${unavailable}`)
    const gpu = await onBackend('webgpu', () => train(model, steps))
    const cpu = await onBackend('cpu', () => train(model, steps))
    expect(gpu.leaked).toBe(0)
    expect(cpu.leaked).toBe(0)
    // float32 on the GPU sums in another order than cpu; after a few momentum steps the
    // difference stays at the 1e-5 level relative to each tensor's scale.
    for (let s = 0; s < steps; s++) expect(Math.abs(gpu.losses[s]! - cpu.losses[s]!)).toBeLessThan(1e-4 * Math.max(1, cpu.losses[s]!))
    expect(gpu.correct).toEqual(cpu.correct)
    for (const name of Object.keys(cpu.weights)) {
      expect(relErr(gpu.weights[name]!, cpu.weights[name]!), name).toBeLessThan(2e-4)
    }
  })

  it('a trainer worker on webgpu trains a run and exits on shutdown', async (t) => {
    if (!info) t.skip(`no WebGPU here: ${unavailable}`)
    const worker = new Worker(WORKER_BUNDLE, { workerData: { backend: 'webgpu' } })
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
    const messages: { type: string; [k: string]: unknown }[] = []
    const wait = (type: string) =>
      new Promise<{ type: string; [k: string]: unknown }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${type}' from the trainer; got ${messages.map((m) => m.type).join(', ')}`)), 90_000)
        worker.on('message', (m) => {
          messages.push(m)
          if (m.type === type || m.type === 'fatal') {
            clearTimeout(timer)
            resolve(m)
          }
        })
      })
    const ready = await wait('ready')
    expect(ready.type).toBe('ready')
    expect((ready.info as BackendInfo).backend).toBe('webgpu')
    const config = { dataset: 'builtin:xshape', model: 'mlp', method: 'dense', epochs: 2, hidden: [8], trainLimit: 256, testLimit: 128, backend: 'webgpu' }
    worker.postMessage({ type: 'start', runId: 'gpu-run', config })
    const done = await wait('done')
    expect(done.type, JSON.stringify(messages.filter((m) => m.type === 'failed'))).toBe('done')
    worker.postMessage({ type: 'shutdown' })
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 15 s'), 15_000))])
    expect(code).toBe(0)
  })

  it('the CLI runs on it and exits; auto mode skips a CPU adapter and says so', (t) => {
    if (!info) t.skip(`no WebGPU here: ${unavailable}`)
    const db = join(tmp.dir, 'gpu.db')
    const env = { ...process.env, SPLINE_LAB_HOME: tmp.dir }
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [CLI, 'run', '--dataset', 'builtin:xshape', '--model', 'mlp', '--method', 'dense', '--epochs', '2', '--db', db, '--json', ...args],
        { encoding: 'utf8', env, timeout: 120_000 },
      )
    const forced = run('--backend', 'webgpu')
    expect(forced.status, forced.stderr).toBe(0)
    const out = JSON.parse(forced.stdout.trim().split('\n').at(-1)!)
    expect(out).toMatchObject({ status: 'finished', backend: 'webgpu' })
    expect(out.backendInfo.webgpu.description || out.backendInfo.webgpu.device).toBeTruthy()
    if (!info!.webgpu!.cpu) return
    const auto = run()
    expect(auto.status, auto.stderr).toBe(0)
    const a = JSON.parse(auto.stdout.trim().split('\n').at(-1)!)
    expect(a.backend).not.toBe('webgpu')
    if (a.backend === 'wasm') expect(a.backendInfo.wasmThreads.threads).toBeGreaterThanOrEqual(1)
    const skipped = a.backendInfo.attempts.find((x: { candidate: string }) => x.candidate === 'webgpu (Dawn)')
    expect(skipped).toMatchObject({ ok: false })
    expect(skipped.reason).toMatch(/^skipped: CPU adapter \(.+\) trains slower than wasm; force it with --backend webgpu$/)
  })
})
