/**
 * Data-parallel training with real replica threads (out/main/trainReplica.js: `npm run build`
 * first) on wasm with our kernels, as the trainer runs it: gradients equal the full batch's
 * (BN-free), DDP semantics against a naive per-shard computation (BN), failures fall back to
 * local training, nothing leaks, repeated runs are bit-identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'vite'
import { watPlugin } from '../../scripts/watPlugin'
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../../src-main/worker/backends'
import { Network } from '../../src-main/core/network'
import { SgdMomentum } from '../../src-main/core/sgd'
import { localStep } from '../../src-main/core/step'
import { buildSpec } from '../../src-main/core/models'
import type { ArchSpec } from '../../src-main/contract/arch'
import { gemmThreads, setGemmThreads } from '../../src-main/worker/threads/helperPool'
import { createParallelStep, type ParallelStepOptions } from '../../src-main/worker/parallel/parallelStep'
import { planShards } from '../../src-main/worker/parallel/layout'
import { REPO } from '../helpers/tmp'
import { relErr, seededValues } from '../helpers/wasm'

const REPLICA = join(REPO, 'out', 'main', 'trainReplica.js')
const CLASSES = 3
const FEATURES = 6
const plainMlp: ArchSpec = {
  family: 'mlp',
  name: 'mlp',
  input: [FEATURES],
  classes: CLASSES,
  layers: [
    { kind: 'dense', name: 'fc1', units: 16, bn: false, relu: true },
    { kind: 'dense', name: 'fc2', units: 12, bn: false, relu: true },
  ],
}
const bnMlp = buildSpec('mlp', [FEATURES], CLASSES, { hidden: [8, 8] })
const tinyCnn = buildSpec('cnn', [8, 8, 1], CLASSES, { width: 0.25 })

/** Records the gradients the optimizer is given (the averaged ones, for the parallel step). */
class RecordingSgd extends SgdMomentum {
  readonly seen: Record<string, Float32Array>[] = []
  step(params: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.seen.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array])))
    super.step(params, grads)
  }
}

const sgd = (momentum = 0.9) => new RecordingSgd({ lr: 0.05, momentum, weightDecay: 5e-4 })
const featuresOf = (spec: ArchSpec) => spec.input.reduce((a, b) => a * b, 1)
function batch(spec: ArchSpec, count: number, seed: number) {
  const x = seededValues(count * featuresOf(spec), seed)
  const y = Int32Array.from(seededValues(count, seed + 1), (v) => Math.floor((v + 1) * 1.5) % CLASSES)
  return { x, y, count }
}
function weightsOf(net: Network): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(net.snapshot()).map(([k, v]) => [k, v.values]))
}
function options(spec: ArchSpec, net: Network, optimizer: SgdMomentum, extra: Partial<ParallelStepOptions> = {}): ParallelStepOptions {
  return { network: net, optimizer, featureSize: featuresOf(spec), numClasses: CLASSES, batchSize: 40, workers: 2, replicaPath: REPLICA, ...extra }
}

beforeAll(async () => {
  if (!existsSync(REPLICA)) throw new Error(`${REPLICA} is missing: run 'npm run build' before the integration tests`)
  await selectBackend('wasm')
})

describe('a 2-worker step on a BN-free mlp', () => {
  it('averages to the full batch gradient, and trains like localStep', async () => {
    for (const count of [40, 37]) {
      const net = new Network(plainMlp, 5)
      const ref = new Network(plainMlp, 5)
      const [opt, refOpt] = [sgd(), sgd()]
      setGemmThreads(2)
      const step = await createParallelStep(options(plainMlp, net, opt))
      const local = localStep(ref, refOpt, FEATURES, CLASSES)
      expect(step.workers).toBe(2)
      // the replica holds the other core: this thread's dense products stay on it meanwhile
      expect(gemmThreads()).toBe(1)
      for (let k = 0; k < 5; k++) {
        const b = batch(plainMlp, count, 100 + k)
        const ours = await step.run(b.x, b.y, b.count)
        const theirs = local.run(b.x, b.y, b.count) as { loss: number; correct: number }
        expect(ours.correct).toBe(theirs.correct)
        expect(Math.abs(ours.loss - theirs.loss)).toBeLessThan(1e-5 * Math.abs(theirs.loss))
        // the averaged gradient at step k vs the full batch gradient at the same weights
        for (const [name, g] of Object.entries(refOpt.seen[k]!)) expect(relErr(opt.seen[k]![name]!, g), `${name}, step ${k}`).toBeLessThan(1e-5)
      }
      const [a, b] = [weightsOf(net), weightsOf(ref)]
      for (const name of Object.keys(b)) expect(relErr(a[name]!, b[name]!), name).toBeLessThan(1e-5)
      await step.close()
      expect(gemmThreads()).toBe(2)
      for (const d of [net, ref, opt, refOpt]) d.dispose()
    }
  })
})

/**
 * DDP without SyncBN, computed naively on one worker with plain tfjs ops: each shard normalised
 * with its own batch statistics, the gradient the count-weighted mean of the shards' gradients;
 * the running statistics those of the whole batch (the shards' pre-BN values pooled).
 */
function naiveShard(p: Record<string, tf.Tensor>, x: tf.Tensor2D, labels: Int32Array) {
  const pre: tf.Tensor2D[] = []
  let h: tf.Tensor2D = x
  for (const l of ['fc1', 'fc2']) {
    const z = tf.matMul(h, p[`${l}.weight`] as tf.Tensor2D) as tf.Tensor2D
    pre.push(z)
    const centred = tf.sub(z, tf.mean(z, 0))
    const variance = tf.mean(tf.square(centred), 0)
    h = tf.relu(tf.add(tf.mul(p[`${l}.bn.gamma`]!, tf.div(centred, tf.sqrt(tf.add(variance, 1e-5)))), p[`${l}.bn.beta`]!)) as tf.Tensor2D
  }
  const logits = tf.add(tf.matMul(h, p['classifier.weight'] as tf.Tensor2D), p['classifier.bias']!)
  const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES)), 1)
  return { loss: tf.mean(tf.sub(tf.logSumExp(logits, 1), picked)) as tf.Scalar, pre }
}

describe('a 2-worker step on an mlp with BatchNorm', () => {
  it('matches per-shard BN with averaged gradients, and whole-batch running statistics', async () => {
    const net = new Network(bnMlp, 9)
    const opt = sgd(0)
    const step = await createParallelStep(options(bnMlp, net, opt))
    const b = batch(bnMlp, 37, 7)
    const names = [...net.trainable.keys()]
    const expected = tf.tidy(() => {
      const values = names.map((n) => net.param(n).clone())
      const sizes = planShards(b.count, 2)
      let start = 0
      const grads = names.map(() => tf.scalar(0) as tf.Tensor)
      let loss = 0
      const pre: tf.Tensor2D[][] = [[], []]
      for (const size of sizes) {
        const xs = tf.tensor2d(b.x.subarray(start * FEATURES, (start + size) * FEATURES), [size, FEATURES])
        const labels = b.y.subarray(start, start + size)
        const f = (...ps: tf.Tensor[]) => naiveShard(Object.fromEntries(names.map((n, i) => [n, ps[i]!])), xs, labels).loss
        const g = tf.grads(f)(values)
        g.forEach((gi, i) => (grads[i] = tf.add(grads[i]!, tf.mul(gi, size / b.count))))
        const shard = naiveShard(Object.fromEntries(names.map((n, i) => [n, values[i]!])), xs, labels)
        loss += (size / b.count) * shard.loss.dataSync()[0]!
        shard.pre.forEach((z, l) => pre[l]!.push(z))
        start += size
      }
      const running = pre.map((zs) => {
        const z = tf.concat(zs, 0)
        const { mean, variance } = tf.moments(z, 0)
        const n = z.shape[0]
        return { mean: tf.mul(mean, 0.1).dataSync(), variance: tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))).dataSync() }
      })
      return { grads: grads.map((g) => g.dataSync()), loss, running }
    })
    const r = await step.run(b.x, b.y, b.count)
    expect(Math.abs(r.loss - expected.loss)).toBeLessThan(1e-5 * expected.loss)
    names.forEach((n, i) => expect(relErr(opt.seen[0]![n]!, expected.grads[i]!), n).toBeLessThan(1e-4))
    ;['fc1', 'fc2'].forEach((l, i) => {
      expect(relErr(net.buffer(`${l}.bn.runningMean`).dataSync(), expected.running[i]!.mean), `${l} mean`).toBeLessThan(1e-5)
      expect(relErr(net.buffer(`${l}.bn.runningVar`).dataSync(), expected.running[i]!.variance), `${l} var`).toBeLessThan(1e-5)
    })
    await step.close()
    net.dispose()
    opt.dispose()
  })
})

/** Trains `steps` batches of the tiny cnn; returns the weights and what each step reported. */
async function trainCnn(steps: number, extra: Partial<ParallelStepOptions> = {}) {
  const net = new Network(tinyCnn, 3)
  const opt = sgd()
  const step = await createParallelStep(options(tinyCnn, net, opt, extra))
  const results = []
  for (let k = 0; k < steps; k++) {
    const b = batch(tinyCnn, k === steps - 1 ? 23 : 40, 50 + k)
    results.push(await step.run(b.x, b.y, b.count))
  }
  const out = { weights: weightsOf(net), results, workers: step.workers, reason: step.fallbackReason, replicaTensors: step.replicaTensors() }
  await step.close()
  net.dispose()
  opt.dispose()
  return out
}

describe('a 2-worker step on a small BN cnn', () => {
  it('repeats bit for bit, and leaks no tensor on either side', async () => {
    const before = tf.memory().numTensors
    const a = await trainCnn(4)
    expect(tf.memory().numTensors).toBe(before)
    const b = await trainCnn(4)
    expect(a.workers).toBe(2)
    expect(b.weights).toEqual(a.weights)
    expect(b.results).toEqual(a.results)
    // a replica holds its network's variables and nothing else after a step
    expect(a.replicaTensors).toEqual([variablesOf(tinyCnn)])
  })
})

function variablesOf(spec: ArchSpec): number {
  const net = new Network(spec, 0)
  const n = net.trainable.size + net.buffers.size
  net.dispose()
  return n
}

describe('failures fall back to local training, with the reason', () => {
  /** What the run must be when replica 1 is gone from step `from` on: parallel before, local after. */
  async function expectedAfterFallback(steps: number, from: number) {
    const net = new Network(tinyCnn, 3)
    const opt = sgd()
    const par = await createParallelStep(options(tinyCnn, net, opt))
    const local = localStep(net, opt, featuresOf(tinyCnn), CLASSES)
    for (let k = 0; k < steps; k++) {
      const b = batch(tinyCnn, k === steps - 1 ? 23 : 40, 50 + k)
      await (k + 1 < from ? par.run(b.x, b.y, b.count) : local.run(b.x, b.y, b.count))
    }
    await par.close()
    const w = weightsOf(net)
    net.dispose()
    opt.dispose()
    return w
  }

  it('a replica that fails to start', async () => {
    const before = tf.memory().numTensors
    setGemmThreads(2)
    const broken = await trainCnn(3, { faults: [{ startError: 'no wasm here' }] })
    expect(broken.workers).toBe(1)
    // training on alone, this thread gets its cores back
    expect(gemmThreads()).toBe(2)
    expect(broken.reason).toMatch(/replica 1 failed to start: no wasm here; training on 1 of 2 workers/)
    expect(broken.weights).toEqual(await expectedAfterFallback(3, 1))
    const missing = await trainCnn(1, { replicaPath: join(REPO, 'out', 'main', 'no-such-replica.js') })
    expect(missing.reason).toMatch(/replica 1 crashed: Cannot find module/)
    // shards trained by other kernels would not be trained alike
    const otherBackend = await trainCnn(1, { backend: 'cpu' })
    expect(otherBackend.reason).toMatch(/replica 1 runs \{"backend":"cpu".*this trainer \{"backend":"wasm"/)
    const tfjsNode = await trainCnn(1, { backend: 'tensorflow' })
    expect(tfjsNode.reason).toMatch(/backend 'tensorflow' trains on one worker/)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('a replica that dies, throws or hangs in the middle of a run', async () => {
    const expected = await expectedAfterFallback(4, 2)
    const died = await trainCnn(4, { faults: [{ exitAtStep: 2 }] })
    expect(died.reason).toMatch(/replica 1 exited with code 3/)
    expect(died.weights).toEqual(expected)
    const threw = await trainCnn(4, { faults: [{ throwAtStep: 2 }] })
    expect(threw.reason).toMatch(/replica 1 failed: fault injected at step 2/)
    expect(threw.weights).toEqual(expected)
    const hung = await trainCnn(4, { faults: [{ hangAtStep: 2 }], stepTimeoutMs: 1000 })
    expect(hung.reason).toMatch(/replica 1 did not answer within the step timeout/)
    expect(hung.weights).toEqual(expected)
  })
})

describe('a process that trained in parallel', () => {
  const dir = join(REPO, 'out', 'test-parallel-exit')
  beforeAll(async () => {
    // A plain Node script (no test runner holding the process open), built like the app.
    const entry = join(dir, 'entry.ts')
    mkdirSync(dir, { recursive: true })
    writeFileSync(entry, EXIT_SCRIPT)
    await build({
      logLevel: 'silent',
      configFile: false,
      plugins: [watPlugin()],
      build: {
        ssr: entry,
        outDir: join(dir, 'build'),
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        rolldownOptions: { output: { entryFileNames: '[name].js' } },
      },
    })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(['dispose', 'forget'])('exits on its own (%s the step)', (mode) => {
    const r = spawnSync(process.execPath, [join(dir, 'build', 'entry.js'), mode], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, REPLICA } })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ workers: 2, reason: null })
  })
})

const EXIT_SCRIPT = `
import { selectBackend } from ${JSON.stringify(join(REPO, 'src-main/worker/backends'))}
import { Network } from ${JSON.stringify(join(REPO, 'src-main/core/network'))}
import { SgdMomentum } from ${JSON.stringify(join(REPO, 'src-main/core/sgd'))}
import { buildSpec } from ${JSON.stringify(join(REPO, 'src-main/core/models'))}
import { createParallelStep } from ${JSON.stringify(join(REPO, 'src-main/worker/parallel/parallelStep'))}
await selectBackend('wasm')
const network = new Network(buildSpec('cnn', [8, 8, 1], 3, { width: 0.25 }), 1)
const optimizer = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 0 })
const step = await createParallelStep({ network, optimizer, featureSize: 64, numClasses: 3, batchSize: 32, workers: 2, replicaPath: process.env.REPLICA })
const x = Float32Array.from({ length: 32 * 64 }, (_, i) => Math.sin(i))
const y = Int32Array.from({ length: 32 }, (_, i) => i % 3)
for (let k = 0; k < 2; k++) await step.run(x, y, 32)
console.log(JSON.stringify({ workers: step.workers, reason: step.fallbackReason }))
if (process.argv[2] === 'dispose') step.dispose()
`
