/**
 * Entry of a replica worker thread (built to out/main/trainReplica.js), spawned by a trainer
 * worker's parallel trainer (parallelStep.ts). It holds one copy of the network on its own wasm instance and, per
 * step, computes the gradients of its shard's mean loss with the weights the trainer published.
 * It keeps no state of its own between steps (weights arrive every step, the optimizer and the
 * BN running statistics live on the trainer), so nothing here needs checkpointing.
 *
 * After start-up it never returns to the event loop: it sleeps in Atomics.wait until the trainer
 * bumps its command counter, which costs no CPU while idle (a spinning wait would take the core
 * from whatever else runs there) and wakes in a fraction of a millisecond.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import type { ArchSpec } from '../../contract/arch'
import { Network } from '../../core/network'
import { selectBackend } from '../backends'
import { setWasmGemmThreads } from '../backends/wasm'
import { activeWasmKernels } from '../backends/wasm/kernels/registry'
import { wasmThreadsState } from '../threads/threadedWasm'
import { CMD_STOP, CTRL, STATUS_FAILED, STATUS_OK, replicaViews, writeError, type ReplicaLayout, type ReplicaViews } from './layout'
import { copyInto, ownedCopy, pendingBnStats, shardGradients } from './shard'

/** What the trainer hands a replica at spawn. */
export interface ReplicaInit {
  /** 1-based: shard 0 is the trainer's */
  index: number
  backend: string
  spec: ArchSpec
  numClasses: number
  layout: ReplicaLayout
  buffer: SharedArrayBuffer
  weights: SharedArrayBuffer
  /** tests only: fail on purpose at a given step (1-based) */
  faults?: ReplicaFaults
}

export interface ReplicaFaults {
  /** the thread exits (as a crash would) at this step */
  exitAtStep?: number
  /** the step throws at this step */
  throwAtStep?: number
  /** the replica never answers this step */
  hangAtStep?: number
  /** start-up fails with this message */
  startError?: string
}

/** Messages a replica posts (only during start-up: steps are signalled through shared memory). */
export type FromReplica = { type: 'ready'; backend: string; kernels: string[]; threads: number } | { type: 'failed'; error: string }

const port = parentPort
if (!port) throw new Error('the replica must run as a worker thread')
const init = workerData as ReplicaInit

start().catch((err: unknown) => port.postMessage({ type: 'failed', error: err instanceof Error ? err.message : String(err) } satisfies FromReplica))

async function start(): Promise<void> {
  if (init.faults?.startError) throw new Error(init.faults.startError)
  // The other cores are the trainer's and the other replicas': one thread, the plain binary.
  setWasmGemmThreads(1)
  const info = await selectBackend(init.backend)
  const network = new Network(init.spec, 0)
  checkLayout(network, init.layout)
  const views = replicaViews(init.buffer, init.layout)
  const weights = new Float32Array(init.weights, 0, init.layout.paramFloats)
  // Read before 'ready': the trainer may issue the first step as soon as it hears it.
  const seq = Atomics.load(views.ctrl, CTRL.SEQ)
  port!.postMessage({ type: 'ready', backend: info.backend, kernels: activeWasmKernels(), threads: wasmThreadsState().threads } satisfies FromReplica)
  serve(network, views, weights, seq)
  network.dispose()
}

/** The replica's network must have the trainer's parameters, in the trainer's order and shapes. */
function checkLayout(network: Network, layout: ReplicaLayout): void {
  const ours = [...network.trainable].map(([name, v]) => `${name}:${v.shape.join('x')}`).join(',')
  const theirs = layout.params.map((p) => `${p.name}:${p.shape.join('x')}`).join(',')
  if (ours !== theirs) throw new Error('the replica built a network whose parameters differ from the trainer’s')
}

function serve(network: Network, views: ReplicaViews, weights: Float32Array, seen: number): void {
  const { ctrl } = views
  let seq = seen
  for (let step = 1; ; step++) {
    Atomics.wait(ctrl, CTRL.SEQ, seq)
    seq = Atomics.load(ctrl, CTRL.SEQ)
    if (Atomics.load(ctrl, CTRL.CMD) === CMD_STOP) return
    const f = init.faults
    if (f?.exitAtStep === step) process.exit(3)
    if (f?.hangAtStep === step) continue
    try {
      if (f?.throwAtStep === step) throw new Error(`fault injected at step ${step}`)
      train(network, views, weights)
      ctrl[CTRL.STATUS] = STATUS_OK
    } catch (err) {
      network.discardBatchStats()
      writeError(views, err instanceof Error ? err.message : String(err))
      ctrl[CTRL.STATUS] = STATUS_FAILED
    }
    ctrl[CTRL.TENSORS] = tf.memory().numTensors
    Atomics.store(ctrl, CTRL.DONE, seq)
    Atomics.notify(ctrl, CTRL.DONE)
  }
}

function train(network: Network, views: ReplicaViews, weights: Float32Array): void {
  const { layout } = init
  const count = views.ctrl[CTRL.COUNT]!
  tf.tidy(() => {
    for (const p of layout.params) network.param(p.name).assign(tf.tensor(ownedCopy(weights.subarray(p.offset, p.offset + p.size)), p.shape))
  })
  const x = ownedCopy(views.x.subarray(0, count * layout.featureSize))
  const y = ownedCopy(views.y.subarray(0, count))
  const r = shardGradients(network, x, y, count, layout.featureSize, init.numClasses)
  try {
    layout.params.forEach((p, k) => copyInto(r.grads[k]!, views.grads, p.offset))
    const stats = new Map(pendingBnStats(network).map((s) => [s.id, s]))
    for (const slot of layout.bn) {
      const s = stats.get(slot.id)
      if (!s) throw new Error(`no batch statistics for BN '${slot.id}'`)
      copyInto(s.mean, views.bn, slot.offset)
      copyInto(s.variance, views.bn, slot.offset + slot.channels)
    }
    views.loss[0] = r.loss.dataSync()[0]!
    views.ctrl[CTRL.CORRECT] = r.hits.dataSync()[0]!
  } finally {
    // The running statistics are the trainer's: this shard's statistics travel through `bn`.
    network.discardBatchStats()
    tf.dispose([...r.grads, r.loss, r.hits])
  }
}
