/**
 * Entry of the one long-lived trainer worker thread. It owns TensorFlow.js (one backend per
 * process: tfjs-node's native binding cannot be loaded by a second worker, tfjs #8388), runs one
 * job at a time and answers `cancel` between batches.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { RunConfigSchema, describeZodError } from '../contract/api'
import { releaseBackend, selectBackend, switchBackend } from './backends'
import type { FromWorker, ToWorker } from './protocol'
import { runJob } from './runJob'
import { runPartition } from './partitionJob'
import { readCheckpoint } from './checkpoint'
import { closeParallelTrainers } from './parallel/parallelStep'
import { setting } from '../settings/settings'

const port = parentPort
if (!port) throw new Error('trainerWorker must run as a worker thread')

const post = (m: FromWorker) => port.postMessage(m)
let current: { runId: string; cancelled: boolean } | null = null
let defaultBackend = 'cpu'
/** after 'shutdown': the GPU device (if any) is released once the run in progress stops */
let shuttingDown = false

const ready = selectBackend(String(workerData?.backend ?? setting('backend')))
  .then((info) => {
    defaultBackend = info.backend
    post({ type: 'ready', info })
  })
  .catch((err: unknown) => post({ type: 'fatal', error: err instanceof Error ? err.message : String(err) }))

port.on('message', (msg: ToWorker) => {
  switch (msg?.type) {
    case 'start':
      void ready.then(() => start(msg.runId, msg.config, msg.dataDir, msg.resume))
      break
    case 'cancel':
      if (current && current.runId === msg.runId) current.cancelled = true
      break
    case 'partition':
      // Handled between training batches: the engine yields to the event loop after each one.
      void ready
        .then(() => runPartition(msg.request, (dir, runId, epoch) => readCheckpoint(dir, runId, epoch, { optimizer: false })))
        .then(
          (result) => post({ type: 'partition', requestId: msg.requestId, result }),
          (err: unknown) => post({ type: 'partition-failed', requestId: msg.requestId, error: err instanceof Error ? err.message : String(err) }),
        )
      break
    case 'shutdown':
      shuttingDown = true
      if (current) current.cancelled = true
      // End replica threads now: a batch in flight finishes on this thread, then the run stops.
      void closeParallelTrainers()
      // A start queued behind `ready` runs first and releases in its own `finally`.
      void ready.then(() => (current ? undefined : releaseBackend()))
      port.close()
      break
    default:
      post({ type: 'fatal', error: `unknown message type '${String((msg as { type?: unknown })?.type)}'` })
  }
})

async function start(runId: string, rawConfig: unknown, dataDir?: string, resume?: { epoch: number }): Promise<void> {
  if (current) {
    post({ type: 'failed', runId, error: `trainer is busy with run ${current.runId}` })
    return
  }
  const parsed = RunConfigSchema.safeParse(rawConfig)
  if (!parsed.success) {
    post({ type: 'failed', runId, error: `invalid config: ${describeZodError(parsed.error, 'config')}` })
    return
  }
  const job = { runId, cancelled: false }
  current = job
  const tensorsBefore = tf.memory().numTensors
  try {
    await switchBackend(parsed.data.backend === 'auto' ? defaultBackend : parsed.data.backend)
    const outcome = await runJob(runId, parsed.data, { post, isCancelled: () => job.cancelled, dataDir, resume })
    const leaked = tf.memory().numTensors - tensorsBefore
    if (leaked !== 0) console.warn(`[trainer] run ${runId} left ${leaked} tensors allocated`)
    post({ type: 'done', runId, ...outcome })
  } catch (err) {
    post({ type: 'failed', runId, error: err instanceof Error ? err.message : String(err) })
  } finally {
    current = null
    if (shuttingDown) await releaseBackend()
  }
}
