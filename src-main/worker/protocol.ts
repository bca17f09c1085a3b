/**
 * Messages between the main process (TrainerClient) and the trainer worker thread.
 * One run at a time; `cancel` is honoured between batches.
 */
import type { BackendInfo, EbTracePoint, EpochMetrics, ProbeInfo, RunConfig } from '../contract/api'

export type ToWorker =
  | { type: 'start'; runId: string; config: RunConfig }
  | { type: 'cancel'; runId: string }
  | { type: 'shutdown' }

export interface RunOutcome {
  outcome: 'finished' | 'cancelled'
  testAccuracy: number | null
  ebEpoch: number | null
  params: number
  wallSeconds: number
}

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  | { type: 'started'; runId: string; backend: string; layers: string[]; probe: ProbeInfo }
  | {
      type: 'epoch'
      runId: string
      metrics: EpochMetrics
      distanceRows: Record<string, number[]>
      ebTrace: EbTracePoint
      ebEpoch: number | null
    }
  | { type: 'progress'; runId: string; epoch: number; batch: number; batches: number; phase: EpochMetrics['phase']; etaSeconds: number | null }
  | ({ type: 'done'; runId: string } & RunOutcome)
  | { type: 'failed'; runId: string; error: string }
  | { type: 'fatal'; error: string }
