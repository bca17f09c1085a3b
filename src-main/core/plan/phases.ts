/**
 * The building blocks the run kinds' plan builders share: the dense phase with its recorders and
 * ticket rule, the prune step and the retrain phase, each from the run config.
 */
import { criterionNeeds, type CriterionId } from '../../contract/criteria'
import { DEFAULT_CRITERION, type RunConfig } from '../../contract/runConfig'
import type { DetectorId, DetectorSpec, LrSchedule, PlanDraft, PrunePhase, RecorderId, RunFacts, TicketRule, TrainPhase } from './types'

/** training examples in the fixed batch of the gradient criteria */
export const GRADIENT_BATCH = 256

/** Both detectors run in every run and both traces are stored (SPEC §2). */
export const RECORDERS: RecorderId[] = ['spline-codes', 'bn-mask']

export function detectors(config: RunConfig): DetectorSpec[] {
  return [
    { id: 'spline-eb', reads: 'spline-codes', window: config.eb.window, epsilon: config.eb.epsilon },
    { id: 'bn-eb', reads: 'bn-mask', queue: config.bnEb.queue, threshold: config.bnEb.threshold, ratio: config.ratio },
  ]
}

/** The config's criterion, else the method's default. */
export function criterionOf(config: RunConfig): CriterionId {
  const c = config.criterion ?? DEFAULT_CRITERION[config.method]
  if (!c) throw new Error(`method '${config.method}' does not prune`)
  return c
}

/** The schedule over the run's E epochs, continued by every phase. */
export function runLr(config: RunConfig): LrSchedule {
  return { base: config.lr, milestones: config.lrMilestones, span: config.epochs, origin: 'run' }
}

/** The schedule started again at the phase's first epoch, over its own epochs. */
export function restartedLr(config: RunConfig, span: number): LrSchedule {
  return { base: config.lr, milestones: config.lrMilestones, span, origin: 'phase' }
}

/** The early-bird cap: no ticket by round(ebCap × E) epochs (at least one) draws it there. */
export function capEpoch(config: RunConfig): number {
  return Math.max(1, Math.round(config.ebCap * config.epochs))
}

export function ticketRule(config: RunConfig, detector: DetectorId): TicketRule {
  const cap = capEpoch(config)
  return { detector, capEpoch: cap, fallbackNote: `no early-bird ticket by epoch ${cap}: drew it there (ebCap ${config.ebCap})` }
}

interface TrainOptions {
  epochs: TrainPhase['epochs']
  lr: LrSchedule
  bnL1: number
}

function trainPhase(
  config: RunConfig,
  facts: RunFacts,
  label: TrainPhase['label'],
  o: TrainOptions & { recorders: RecorderId[]; ticket: TicketRule | null },
): TrainPhase {
  return {
    kind: 'train',
    label,
    epochs: o.epochs,
    lr: o.lr,
    optimizer: { momentum: config.momentum, weightDecay: config.weightDecay, bnL1: o.bnL1 },
    batchSize: config.batchSize,
    recorders: o.recorders,
    ticket: o.ticket,
    accounts: { images: facts.trainImages },
  }
}

/** Training the full network, recording spline codes and BN masks after every epoch. */
export function densePhase(config: RunConfig, facts: RunFacts, o: Omit<TrainOptions, 'lr'> & { ticket: TicketRule | null }): TrainPhase {
  return trainPhase(config, facts, 'dense', { ...o, lr: runLr(config), recorders: RECORDERS })
}

/** Training the pruned network; nothing is recorded after pruning. */
export function retrainPhase(config: RunConfig, facts: RunFacts, o: TrainOptions): TrainPhase {
  return trainPhase(config, facts, 'retrain', { ...o, recorders: [], ticket: null })
}

/** Pruning with the criterion; `codesFrom` is where its spline codes come from if it reads any. */
export function prunePhase(config: RunConfig, criterion: CriterionId, codesFrom: 'last-recorded' | 'init'): PrunePhase {
  return {
    kind: 'prune',
    criterion,
    ratio: config.ratio,
    scope: config.scope,
    P: config.P,
    seed: config.seed,
    codes: criterionNeeds(criterion, 'spline-codes') ? codesFrom : null,
    trainingBatch: criterionNeeds(criterion, 'training-batch') ? GRADIENT_BATCH : null,
    retrain: config.retrain,
    networkSeed: config.seed + 1,
  }
}

/** spline-eb and eb-bn: dense until the detector's ticket (or the cap), prune, retrain to epoch E on the continued schedule. */
export function earlyBirdPlan(config: RunConfig, facts: RunFacts, detector: DetectorId, bnL1: number): PlanDraft {
  const criterion = criterionOf(config)
  const ticket = ticketRule(config, detector)
  const E = config.epochs
  return {
    phases: [
      densePhase(config, facts, { epochs: { count: ticket.capEpoch }, bnL1, ticket }),
      prunePhase(config, criterion, 'last-recorded'),
      retrainPhase(config, facts, { epochs: { untilEpoch: E }, lr: runLr(config), bnL1 }),
    ],
    defaults: { criterion, bnL1, finetuneEpochs: null, capEpoch: ticket.capEpoch },
    notes: [
      `dense training until the ${detector} ticket, at most ${ticket.capEpoch} epochs (ebCap ${config.ebCap})`,
      `prune ${Math.round(config.ratio * 100)}% (${config.scope}) with ${criterion}, ${config.retrain} the ticket`,
      `retrain to epoch ${E}, the lr schedule continued`,
    ],
  }
}
