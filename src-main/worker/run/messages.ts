/** The engine callbacks that report a run to the main process: every recorded epoch, and throttled progress with an ETA. */
import type { EpochRecord, TrainCallback } from '../../core/engine'
import type { FromWorker } from '../protocol'
import type { RunCheckpoints } from '../jobCheckpoints'

const PROGRESS_EVERY_MS = 250

export function publisher(
  runId: string,
  post: (message: FromWorker) => void,
  epsilon: number,
  state: { lastAccuracy: number | null; checkpoint: RunCheckpoints | null },
): TrainCallback {
  return {
    onEpochRecorded(_ctx, record: EpochRecord) {
      state.lastAccuracy = record.metrics.testAccuracy
      post({
        type: 'epoch',
        runId,
        metrics: record.metrics,
        distanceRows: record.distanceRow ?? {},
        ebTrace: record.ebPoint ?? { epoch: record.metrics.epoch, maxDistance: null, threshold: epsilon },
        ebEpoch: record.ebEpoch ?? null,
        bnEbTrace: record.bnEbPoint ?? null,
        checkpoint: state.checkpoint?.last ?? null,
      })
    },
  }
}

export function progress(runId: string, post: (message: FromWorker) => void, now: () => number, total: { epochs: number }): TrainCallback {
  let lastSent = 0
  let t0 = 0
  let batchesDone = 0
  return {
    onTrainBegin() {
      t0 = now()
    },
    onBatchEnd(ctx, batch, batches) {
      batchesDone++
      const t = now()
      if (t - lastSent < PROGRESS_EVERY_MS && batch < batches) return
      lastSent = t
      const perBatch = (t - t0) / batchesDone
      const remaining = Math.max(0, total.epochs - ctx.epoch) * batches + (batches - batch)
      post({
        type: 'progress',
        runId,
        epoch: ctx.epoch,
        batch,
        batches,
        phase: ctx.phase,
        epochs: total.epochs,
        etaSeconds: Number.isFinite(perBatch) ? (perBatch * remaining) / 1000 : null,
      })
    },
  }
}
