/**
 * Messages between the main process (TrainerClient) and the trainer worker thread.
 * One run at a time; `cancel` is honoured between batches.
 */
import type { BackendInfo, EbTracePoint, EpochMetrics, PartitionResult, ProbeInfo, PruningInfo, ResolvedDefaults, RunConfig } from '../contract/api'
import type { ArchSpec } from '../contract/arch'

export type ToWorker =
  | { type: 'start'; runId: string; config: RunConfig; dataDir?: string; resume?: { epoch: number } }
  | { type: 'cancel'; runId: string }
  | { type: 'shutdown' }
  /** answered between training batches with `partition` or `partition-failed` */
  | { type: 'partition'; requestId: number; request: PartitionJob }

export interface RunOutcome {
  outcome: 'finished' | 'cancelled'
  testAccuracy: number | null
  ebEpoch: number | null
  bnEbEpoch: number | null
  /** of the final (pruned, if pruned) network */
  params: number
  macs: number
  flops: number
  paramsBefore: number
  macsBefore: number
  /** Σ phases 3 × forward flops × training images × epochs */
  trainFlops: number
  wallSeconds: number
  /** the backend label as the run ended, where it changed while it ran ('wasm ×2→1' after a
   * replica failed and the run went on on one worker); absent otherwise */
  backend?: string
}

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  | { type: 'started'; runId: string; backend: string; layers: string[]; probe: ProbeInfo; arch: ArchSpec; resolved?: ResolvedDefaults }
  | {
      type: 'epoch'
      runId: string
      metrics: EpochMetrics
      distanceRows: Record<string, number[]>
      ebTrace: EbTracePoint
      ebEpoch: number | null
      bnEbTrace: EbTracePoint | null
      /** the epoch's checkpoint file, durable before this message is sent (null: none written) */
      checkpoint?: string | null
    }
  | { type: 'pruned'; runId: string; arch: ArchSpec; pruning: PruningInfo }
  | {
      type: 'progress'
      runId: string
      epoch: number
      batch: number
      batches: number
      phase: EpochMetrics['phase']
      /** planned epochs of the whole run */
      epochs: number
      etaSeconds: number | null
    }
  | ({ type: 'done'; runId: string } & RunOutcome)
  | { type: 'failed'; runId: string; error: string }
  | { type: 'fatal'; error: string }
  | { type: 'partition'; requestId: number; result: PartitionResult }
  | { type: 'partition-failed'; requestId: number; error: string }

/** What the worker needs to compute a run's partition at one epoch (see worker/partitionJob.ts). */
export interface PartitionJob {
  runId: string
  config: RunConfig
  epoch: number
  grid: number
  layer?: string
  /** kept channels per group: apply this selection to the epoch's weights first */
  prune?: Record<string, number[]>
  images?: [number, number]
  dataDir?: string
}
