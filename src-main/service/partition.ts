/**
 * `runs.partition` on the service side: checks the request against the stored run and turns it
 * into the worker's job (the computation itself is worker/partitionJob.ts, in the trainer thread).
 * No TensorFlow.js here: the main process never loads it.
 */
import { ApiError, type ParsedParams, type PartitionResult, type RunDetail } from '../contract/api'
import type { PartitionJob } from '../worker/protocol'
import type { Trainer } from '../worker/trainerClient'

/** 2-D data is cheap per point; image canvases run the whole conv net per point. */
const DEFAULT_GRID = { input: 96, canvas: 48 }

export function partitionJob(run: RunDetail, p: ParsedParams<'runs.partition'>, dataDir: string | undefined): PartitionJob {
  const last = run.summary.epochsDone
  // Epoch 0 is the initial network (its checkpoint is written before training starts).
  if (p.epoch > last) throw new ApiError('bad-request', `epoch must be from 0 to ${last} (the epochs run ${run.summary.id} has finished)`)
  if (p.pruned) {
    if (!run.pruning) throw new ApiError('bad-request', `run ${run.summary.id} was not pruned`)
    if (p.epoch > run.pruning.atEpoch)
      throw new ApiError('bad-request', `epoch ${p.epoch} is after pruning (epoch ${run.pruning.atEpoch}): its network is already the pruned one`)
  }
  const twoD = run.probe?.kind === 'grid2d'
  return {
    runId: run.summary.id,
    config: run.config,
    epoch: p.epoch,
    grid: p.grid ?? (twoD ? DEFAULT_GRID.input : DEFAULT_GRID.canvas),
    ...(p.layer ? { layer: p.layer } : {}),
    ...(p.pruned && run.pruning ? { prune: run.pruning.kept } : {}),
    ...(p.images ? { images: p.images } : {}),
    dataDir,
  }
}

export async function computePartition(
  trainer: Trainer,
  run: RunDetail,
  p: ParsedParams<'runs.partition'>,
  dataDir: string | undefined,
): Promise<PartitionResult> {
  if (!trainer.partition) throw new ApiError('internal', 'this trainer cannot compute partitions')
  const job = partitionJob(run, p, dataDir)
  try {
    return await trainer.partition(job)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (message.startsWith('no checkpoint')) throw new ApiError('not-found', message)
    if (/^(no layer|test image|choose two|the dataset needs)/.test(message)) throw new ApiError('bad-request', message)
    throw err
  }
}
