/** What the progress line says: phase, epoch of the planned total, batch, ETA. */
import type { EpochMetrics, RunSummary } from '@contract'
import type { ProgressEvent } from '@renderer/stores/liveRun'
import { formatDuration } from './format'

export type PhaseName = 'waiting' | 'dense' | 'pruning' | 'retrain' | 'finishing'

/**
 * The phase now. Pruning sends no progress of its own: it is the moment after the dense phase's
 * last epoch (the ticket) and before the first retraining batch.
 */
export function currentPhase(summary: RunSummary, progress: ProgressEvent | null, metrics: readonly EpochMetrics[]): PhaseName {
  if (summary.status === 'queued') return 'waiting'
  const last = metrics.at(-1)
  const ticketDrawn = summary.method !== 'dense' && last?.phase === 'dense' && isTicketEpoch(summary, last.epoch)
  if (ticketDrawn && (!progress || progress.epoch <= last.epoch)) return 'pruning'
  if (progress) return progress.phase === 'retrain' ? 'retrain' : progress.phase === 'prune' ? 'pruning' : 'dense'
  return last?.phase === 'retrain' ? 'retrain' : 'dense'
}

function isTicketEpoch(s: RunSummary, epoch: number): boolean {
  if (s.method === 'spline-eb') return s.ebEpoch === epoch
  if (s.method === 'eb-bn') return s.bnEbEpoch === epoch
  if (s.method === 'prune-after') return epoch === s.epochs
  return false
}

/** planned epochs of the whole run: the progress event knows (prune-after adds fine-tuning) */
export function plannedEpochs(summary: RunSummary, progress: ProgressEvent | null): number {
  return progress?.epochs ?? summary.epochs
}

export function progressFraction(summary: RunSummary, progress: ProgressEvent | null): number {
  const total = plannedEpochs(summary, progress)
  const partial = progress && progress.batches > 0 ? progress.batch / progress.batches : 0
  const done = progress ? progress.epoch - 1 + partial : summary.epochsDone
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 0
}

export function progressLabel(summary: RunSummary, progress: ProgressEvent | null, phase: PhaseName): string {
  if (phase === 'waiting') return summary.queuePosition ? `queued · #${summary.queuePosition} in line` : 'waiting for the trainer…'
  const total = plannedEpochs(summary, progress)
  if (!progress) return `epoch ${summary.epochsDone} of ${total}`
  const eta = progress.etaSeconds == null ? '' : ` · ETA ${formatDuration(progress.etaSeconds)}`
  return `epoch ${progress.epoch} of ${total} · batch ${progress.batch}/${progress.batches}${eta}`
}
