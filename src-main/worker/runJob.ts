/**
 * Runs one training job inside the worker: data → network → engine with the spline recorder and
 * the message-posting callbacks. Knows nothing of SQLite: every result leaves as a message and
 * the main process (the single writer) persists it.
 */
import * as tf from '@tensorflow/tfjs'
import type { RunConfig } from '../contract/api'
import { TrainingEngine, type EpochRecord, type TrainCallback } from '../core/engine'
import { Network } from '../core/network'
import { SgdMomentum, multiStepLr } from '../core/sgd'
import { codeLayerNames, mlpSpec } from '../core/spec'
import { SplineRecorder } from '../core/splineRecorder'
import { gridProbe, loadDataset } from '../data/datasets'
import type { FromWorker, RunOutcome } from './protocol'

export interface JobHooks {
  post(message: FromWorker): void
  isCancelled(): boolean
  now?: () => number
}

const PROGRESS_EVERY_MS = 250

export async function runJob(runId: string, config: RunConfig, hooks: JobHooks): Promise<RunOutcome> {
  const now = hooks.now ?? (() => performance.now())
  const started = now()
  const data = loadDataset(config.dataset, config.seed)
  const featureSize = data.inputShape.reduce((a, b) => a * b, 1)
  const spec = mlpSpec(featureSize, config.hidden, data.numClasses)
  const layers = codeLayerNames(spec)
  const network = new Network(spec, config.seed)
  const optimizer = new SgdMomentum({ lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay })
  if (!data.bounds) throw new Error(`dataset '${config.dataset}' has no 2-D bounds for a probe grid`)
  const probe = { x: gridProbe(data.bounds, config.probeGrid), count: config.probeGrid ** 2 }
  const recorder = new SplineRecorder(layers, probe, config.eb, now)

  hooks.post({
    type: 'started',
    runId,
    backend: tf.getBackend(),
    layers,
    probe: {
      kind: 'grid2d',
      count: probe.count,
      bitsPerLayer: Object.fromEntries(spec.layers.map((l) => [l.name, l.units * probe.count])),
    },
  })

  let last: EpochRecord | null = null
  const publisher: TrainCallback = {
    onEpochRecorded(_ctx, record) {
      last = record
      hooks.post({
        type: 'epoch',
        runId,
        metrics: record.metrics,
        distanceRows: record.distanceRow ?? {},
        ebTrace: record.ebPoint ?? { epoch: record.metrics.epoch, maxDistance: null, threshold: config.eb.epsilon },
        ebEpoch: record.ebEpoch ?? null,
      })
    },
  }
  const engine = new TrainingEngine({
    network,
    optimizer,
    data: { ...data, featureSize },
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
    lrAt: (e) => multiStepLr(config.lr, e, config.epochs, config.lrMilestones),
    now,
    yieldEvery: () => new Promise((resolve) => setImmediate(resolve)),
    shouldStop: hooks.isCancelled,
  })
  try {
    const outcome = await engine.run([recorder, publisher, progressReporter(runId, hooks.post, now)])
    const lastRecord = last as EpochRecord | null
    return {
      outcome,
      testAccuracy: lastRecord ? lastRecord.metrics.testAccuracy : null,
      ebEpoch: recorder.detector.ebEpoch,
      params: network.paramCount(),
      wallSeconds: (now() - started) / 1000,
    }
  } finally {
    network.dispose()
    optimizer.dispose()
  }
}

function progressReporter(runId: string, post: (m: FromWorker) => void, now: () => number): TrainCallback {
  let lastSent = 0
  let trainStart = 0
  let totalBatches = 0
  return {
    onTrainBegin() {
      trainStart = now()
    },
    onBatchEnd(ctx, batch, batches) {
      totalBatches++
      const t = now()
      if (t - lastSent < PROGRESS_EVERY_MS && batch < batches) return
      lastSent = t
      const perBatch = (t - trainStart) / totalBatches
      const remaining = (ctx.totalEpochs - ctx.epoch) * batches + (batches - batch)
      post({
        type: 'progress',
        runId,
        epoch: ctx.epoch,
        batch,
        batches,
        phase: ctx.phase,
        etaSeconds: Number.isFinite(perBatch) ? (perBatch * remaining) / 1000 : null,
      })
    },
  }
}
