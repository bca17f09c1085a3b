/**
 * Data-parallel training step (core/step.ts TrainStep) over this thread and N − 1 replica
 * threads, each with its own wasm (or cpu) instance.
 *
 * Per batch: the trainer publishes its weights to shared memory, hands every replica its shard,
 * computes the gradients of its own shard's mean loss meanwhile, then averages all shards'
 * gradients weighted by their example counts (= the gradient of the whole batch's mean loss, up
 * to BN's per-shard statistics), steps the optimizer once and folds the shards' combined BN
 * statistics into the running averages. Replicas hold nothing between steps, so the trainer's
 * network and optimizer (what checkpoints save) are the whole state: a resumed run continues
 * exactly, and a failed replica costs nothing but speed — the batch is trained again locally and
 * so is every later one, with the reason recorded.
 *
 * BatchNorm follows PyTorch DDP without SyncBN: each shard normalises with its own batch
 * statistics. The running statistics get the statistics of the whole batch, recovered exactly
 * from the shards' means, variances and counts (layout.ts combineBnStats), i.e. what one worker
 * training the whole batch would have recorded (DDP itself keeps rank 0's shard's only).
 */
import * as tf from '@tensorflow/tfjs'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Network } from '../../core/network'
import type { SgdMomentum } from '../../core/sgd'
import { localStep, type StepResult, type TrainStep } from '../../core/step'
import { activeWasmKernels } from '../backends/wasm/kernels/registry'
import { gemmThreads, setGemmThreads } from '../threads/helperPool'
import { wasmThreadsState } from '../threads/threadedWasm'
import { CTRL, buildLayout, combineBnStats, planShards, replicaBytes, type BnBatchStats, type ReplicaLayout } from './layout'
import type { ReplicaFaults } from './replica'
import { ReplicaHandle } from './replicaHandle'
import { copyInto, ownedCopy, pendingBnStats, shardGradients } from './shard'

export interface ParallelTrainerOptions {
  network: Network
  featureSize: number
  numClasses: number
  /** the most examples one run() trains on (the engine's batch size): sizes the shared buffers */
  batchSize: number
  /** workers in all, this thread included; 1 gives a plain local step */
  workers: number
  /** what the replicas select with worker/backends/index.ts; default: this thread's backend */
  backend?: string
  /** built replica entry (out/main/trainReplica.js); found next to this bundle by default */
  replicaPath?: string
  startTimeoutMs?: number
  /** a replica silent this long past the trainer's own shard time (× 20) counts as failed */
  stepTimeoutMs?: number
  /** tests only: per replica (index 0 = replica 1), failures to inject */
  faults?: (ReplicaFaults | undefined)[]
}

export interface ParallelStepOptions extends ParallelTrainerOptions {
  optimizer: SgdMomentum
}

/** Replicas bound to one network (one architecture): start once, train any number of batches. */
export interface ParallelTrainer {
  readonly network: Network
  /** workers training now: the requested count, or 1 after a fallback */
  readonly workers: number
  readonly requestedWorkers: number
  /** why batches train on one worker although more were asked for; null otherwise */
  readonly fallbackReason: string | null
  /** one SGD step of `optimizer` on the batch, over all workers */
  run(x: Float32Array, y: Int32Array, count: number, optimizer: SgdMomentum): Promise<StepResult>
  /** this trainer as the engine's TrainStep with `optimizer`; its dispose() leaves the replicas */
  step(optimizer: SgdMomentum): TrainStep
  /** tf.memory().numTensors of each live replica after its last step */
  replicaTensors(): number[]
  /** ends the replica threads */
  close(): Promise<void>
}

export interface ParallelStep extends TrainStep {
  readonly workers: number
  readonly requestedWorkers: number
  readonly fallbackReason: string | null
  replicaTensors(): number[]
  /** dispose(), awaiting the replica threads' end */
  close(): Promise<void>
}

const live = new Set<Trainer>()

/** Parallel trainers whose replicas are running (leak checks). */
export function liveParallelTrainers(): number {
  return live.size
}

/** Ends the replicas of every live parallel trainer (trainer worker shutdown). */
export async function closeParallelTrainers(): Promise<void> {
  await Promise.all([...live].map((s) => s.close()))
}

export function defaultReplicaPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // next to the trainer bundle, from a chunk, from the bench bundle (out/bench), from the sources
  const candidates = [
    join(here, 'trainReplica.js'),
    join(here, '../trainReplica.js'),
    join(here, '../main/trainReplica.js'),
    resolve(here, '../../../out/main/trainReplica.js'),
  ]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`replica bundle not found (looked in ${candidates.join(', ')}); run 'npm run build'`)
  return found
}

/**
 * Starts the replicas for `network` (each loads its backend and our kernels: ≈ 0.4–1 s) and
 * resolves when they are ready. Never rejects for want of replicas: a trainer that cannot run in
 * parallel trains locally and says why in `fallbackReason`.
 */
export async function startParallelTrainer(o: ParallelTrainerOptions): Promise<ParallelTrainer> {
  const trainer = new Trainer(o)
  if (trainer.requestedWorkers < 2) return trainer
  const why = blocker(o.backend ?? tf.getBackend())
  if (why) await trainer.fallBack(why)
  else await trainer.start()
  return trainer
}

/**
 * The data-parallel TrainStep for one network and optimizer (the bench's entry). The caller
 * disposes the step (which ends its replicas), not the network or the optimizer.
 */
export async function createParallelStep(o: ParallelStepOptions): Promise<ParallelStep> {
  const trainer = await startParallelTrainer(o)
  return {
    get workers() {
      return trainer.workers
    },
    requestedWorkers: trainer.requestedWorkers,
    get fallbackReason() {
      return trainer.fallbackReason
    },
    run: (x, y, count) => trainer.run(x, y, count, o.optimizer),
    replicaTensors: () => trainer.replicaTensors(),
    dispose: () => void trainer.close(),
    close: () => trainer.close(),
  }
}

function blocker(backend: string): string | null {
  if (backend !== 'wasm' && backend !== 'cpu') return `backend '${backend}' trains on one worker (data parallelism needs one wasm or cpu instance per thread)`
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer'
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') return 'no Atomics.waitAsync'
  return null
}

class Trainer implements ParallelTrainer {
  readonly requestedWorkers: number
  private replicas: ReplicaHandle[] | null = null
  private reason: string | null = null
  private layout!: ReplicaLayout
  private weights!: Float32Array
  private closed = false
  /** the dense products' thread count before the replicas started, restored when they end */
  private gemmBefore: number | null = null

  constructor(private readonly o: ParallelTrainerOptions) {
    this.requestedWorkers = Math.max(1, Math.floor(o.workers))
  }

  get network(): Network {
    return this.o.network
  }

  step(optimizer: SgdMomentum): TrainStep {
    return { run: (x, y, count) => this.run(x, y, count, optimizer), dispose() {} }
  }

  get workers(): number {
    return this.replicas ? this.replicas.length + 1 : 1
  }

  get fallbackReason(): string | null {
    return this.reason
  }

  async start(): Promise<void> {
    const { network, featureSize, batchSize } = this.o
    const n = this.requestedWorkers
    const params = [...network.trainable].map(([name, v]) => ({ name, shape: v.shape }))
    const bn = network.bnIds.map((id) => ({ id, channels: network.param(`${id}.gamma`).shape[0]! }))
    this.layout = buildLayout(params, bn, featureSize, Math.ceil(batchSize / n))
    const weights = new SharedArrayBuffer(this.layout.paramFloats * 4)
    this.weights = new Float32Array(weights)
    const backend = this.o.backend ?? tf.getBackend()
    const replicas: ReplicaHandle[] = []
    try {
      const path = this.o.replicaPath ?? defaultReplicaPath()
      for (let i = 1; i < n; i++) {
        const buffer = new SharedArrayBuffer(replicaBytes(this.layout))
        replicas.push(
          new ReplicaHandle(path, {
            index: i,
            backend,
            spec: network.spec,
            numClasses: this.o.numClasses,
            layout: this.layout,
            buffer,
            weights,
            faults: this.o.faults?.[i - 1],
          }),
        )
      }
      live.add(this)
      this.replicas = replicas
      // The replicas hold the other cores: this thread's dense products stay on it meanwhile.
      this.gemmBefore ??= gemmThreads()
      setGemmThreads(1)
      const ready = await Promise.all(replicas.map((r) => r.ready(this.o.startTimeoutMs ?? 60_000)))
      // Same kernels and thread count as this thread, or shards would not be trained alike.
      const wasm = (b: string, kernels: string[], threads: number) => (b === 'wasm' ? { kernels: kernels.join(','), threads } : {})
      const mine = { backend: tf.getBackend(), ...wasm(tf.getBackend(), activeWasmKernels(), wasmThreadsState().threads) }
      for (const [i, r] of ready.entries()) {
        const theirs = { backend: r.backend, ...wasm(r.backend, r.kernels, r.threads) }
        if (JSON.stringify(theirs) !== JSON.stringify(mine))
          throw new Error(`replica ${i + 1} runs ${JSON.stringify(theirs)}, this trainer ${JSON.stringify(mine)}`)
      }
    } catch (err) {
      this.replicas = replicas
      await this.fallBack(err instanceof Error ? err.message : String(err))
    }
  }

  /** From now on every batch trains here; records why. */
  async fallBack(reason: string): Promise<void> {
    // after close() the replicas' end is no failure to report
    if (!this.closed) {
      this.reason = `${reason}; training on 1 of ${this.requestedWorkers} workers`
      console.warn(`[trainer] data-parallel step: ${this.reason}`)
    }
    await this.stopReplicas()
  }

  replicaTensors(): number[] {
    return (this.replicas ?? []).map((r) => r.views.ctrl[CTRL.TENSORS]!)
  }

  async run(x: Float32Array, y: Int32Array, count: number, optimizer: SgdMomentum): Promise<StepResult> {
    const replicas = this.replicas
    const local = () => localStep(this.o.network, optimizer, this.o.featureSize, this.o.numClasses).run(x, y, count)
    if (!replicas) return local()
    if (count > this.o.batchSize) throw new Error(`a batch of ${count} examples exceeds the step's batchSize ${this.o.batchSize}`)
    const gone = replicas.find((r) => r.dead)
    if (gone) {
      await this.fallBack(gone.dead!)
      return local()
    }
    const { network, featureSize: fs, numClasses } = this.o
    const sizes = planShards(count, replicas.length + 1)
    const active = replicas.filter((_, i) => sizes[i + 1]! > 0)
    if (active.length > 0) this.publishWeights()
    let offset = sizes[0]!
    replicas.forEach((r, i) => {
      const size = sizes[i + 1]!
      if (size === 0) return
      r.views.x.set(x.subarray(offset * fs, (offset + size) * fs))
      r.views.y.set(y.subarray(offset, offset + size))
      r.issue(size)
      offset += size
    })
    const t0 = performance.now()
    const own = shardGradients(network, x.subarray(0, sizes[0]! * fs), y.subarray(0, sizes[0]!), sizes[0]!, fs, numClasses)
    const deadline = performance.now() + (this.o.stepTimeoutMs ?? 60_000) + 20 * (performance.now() - t0)
    try {
      for (const r of active) await r.result(deadline)
    } catch (err) {
      // Nothing was applied yet: this batch trains again locally, exactly as a local step would.
      tf.dispose([...own.grads, own.loss, own.hits])
      network.discardBatchStats()
      await this.fallBack(err instanceof Error ? err.message : String(err))
      return local()
    }
    return this.apply(own, sizes, count, optimizer)
  }

  /** Averages the shards' gradients, steps once, folds in the combined BN statistics. */
  private apply(own: ReturnType<typeof shardGradients>, sizes: number[], count: number, optimizer: SgdMomentum): StepResult {
    const { network } = this.o
    const replicas = this.replicas!
    const share = sizes.map((s) => s / count)
    try {
      tf.tidy(() => {
        const avg: Record<string, tf.Tensor> = {}
        this.layout.params.forEach((p, k) => {
          let g = tf.mul(own.grads[k]!, share[0]!)
          replicas.forEach((r, i) => {
            if (sizes[i + 1] === 0) return
            const theirs = tf.tensor(ownedCopy(r.views.grads.subarray(p.offset, p.offset + p.size)), p.shape)
            g = tf.add(g, tf.mul(theirs, share[i + 1]!))
          })
          avg[p.name] = g
        })
        optimizer.step(network.trainable, avg)
      })
      this.combineBnStats(sizes)
      network.commitBatchStats()
      let loss = sizes[0]! * own.loss.dataSync()[0]!
      let correct = own.hits.dataSync()[0]!
      replicas.forEach((r, i) => {
        if (sizes[i + 1] === 0) return
        loss += sizes[i + 1]! * r.views.loss[0]!
        correct += r.views.ctrl[CTRL.CORRECT]!
      })
      return { loss: loss / count, correct }
    } finally {
      tf.dispose([...own.grads, own.loss, own.hits])
    }
  }

  /** Replaces this shard's pending BN statistics with those of the whole batch. */
  private combineBnStats(sizes: number[]): void {
    const pending = pendingBnStats(this.o.network)
    if (pending.length !== this.layout.bn.length) throw new Error(`${pending.length} pending BN statistics, ${this.layout.bn.length} BN layers`)
    const replicas = this.replicas!
    const slots = new Map(this.layout.bn.map((b) => [b.id, b]))
    for (const s of pending) {
      const slot = slots.get(s.id)
      if (!slot) throw new Error(`BN '${s.id}' is not in the replicas' layout`)
      // values per channel per example (spatial positions): the same on every shard
      const perExample = s.count / sizes[0]!
      const parts: BnBatchStats[] = [{ mean: s.mean.dataSync(), variance: s.variance.dataSync(), count: s.count }]
      replicas.forEach((r, i) => {
        const at = slot.offset
        parts.push({
          mean: r.views.bn.subarray(at, at + slot.channels),
          variance: r.views.bn.subarray(at + slot.channels, at + 2 * slot.channels),
          count: sizes[i + 1]! * perExample,
        })
      })
      const all = combineBnStats(parts)
      tf.dispose([s.mean, s.variance])
      s.mean = tf.tensor1d(all.mean)
      s.variance = tf.tensor1d(all.variance)
      s.count = all.count
    }
  }

  private publishWeights(): void {
    for (const p of this.layout.params) copyInto(this.o.network.param(p.name), this.weights, p.offset)
  }

  private async stopReplicas(): Promise<void> {
    const replicas = this.replicas ?? []
    this.replicas = null
    live.delete(this)
    if (this.gemmBefore !== null) setGemmThreads(this.gemmBefore)
    this.gemmBefore = null
    await Promise.all(replicas.map((r) => r.terminate()))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.stopReplicas()
  }
}
