/**
 * The building blocks the run kinds' plan builders share: the dense phase with its recorders and
 * ticket rule, the prune step and the retrain phase, each from the run config.
 */
import { criterionNeeds, gradientSamples, type CriterionId } from '../../contract/criteria'
import { DEFAULT_CRITERION, type RunConfig } from '../../contract/runConfig'
import { buildSpec } from '../models'
import { countCosts } from '../flops'
import { channelGroups, withWidths } from '../spec'
import type { ArchSpec } from '../../contract/arch'
import {
  PlanError,
  type Augment,
  type DetectorId,
  type DetectorSpec,
  type LrSchedule,
  type PlanDraft,
  type PrunePhase,
  type RecorderId,
  type ResolvedDefaults,
  type RunFacts,
  type TicketRule,
  type TrainPhase,
} from './types'

/** network slimming's BN-γ L1 sparsity (EB repo `-sr`, algorithms.md §4.2) */
export const SLIMMING_BN_L1 = 1e-4
/** how close to its target MACs a pruned network must come (relative) */
export const MACS_TOLERANCE = 0.01

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

/**
 * BN-γ L1 sparsity s: the config's, else 1e-4 for eb-bn and whenever the criterion is network
 * slimming (slimming ranks |γ| trained with the penalty; without it, it is plain |γ| magnitude), else 0.
 */
export function resolveBnL1(config: RunConfig, criterion: CriterionId | null): number {
  return config.bnL1 ?? (config.method === 'eb-bn' || criterion === 'bn-slimming' ? SLIMMING_BN_L1 : 0)
}

/** auto: crop + flip for 3-channel images, none otherwise; crop-flip refused for data that are not images. */
export function resolveAugment(config: RunConfig, facts: RunFacts): Augment {
  const image = facts.inputShape.length === 3
  const a = config.augment ?? 'auto'
  if (a === 'crop-flip' && !image)
    throw new PlanError('augment', `crop-flip needs image data (H×W×C); dataset '${config.dataset}' has [${facts.inputShape.join('×')}] inputs`)
  if (a === 'auto') return image && facts.inputShape[2] === 3 ? 'crop-flip' : 'none'
  return a
}

/** The network the run starts with (the plan checks budgets against it). */
export function initialSpec(config: RunConfig, facts: RunFacts): ArchSpec {
  try {
    return buildSpec(config.model, facts.inputShape, facts.numClasses, { hidden: config.hidden, width: config.width, pruneInputs: config.pruneInputs })
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new PlanError(/pruneInputs/.test(why) ? 'pruneInputs' : 'model', why)
  }
}

/** MACs of the network with every group cut to the widths layerwise pruning at `ratio` leaves (round(ratio·C) removed, one kept). */
export function layerwiseMacs(spec: ArchSpec, ratio: number): number {
  const widths = Object.fromEntries(channelGroups(spec).map((g) => [g.id, g.width - Math.min(g.width - 1, Math.round(ratio * g.width))]))
  return countCosts(withWidths(spec, widths)).macs
}

/**
 * The MACs the prune step aims at, or null when the ratio counts channels: `targetMacs` (≤ 1: a
 * fraction of the dense network's MACs), else with budget 'macs' those of layerwise pruning at
 * the ratio. Refused below the network that keeps one channel per group.
 */
export function resolveTargetMacs(config: RunConfig, facts: RunFacts): number | null {
  if (config.budget === 'channels' && config.targetMacs !== undefined)
    throw new PlanError('targetMacs', 'a MACs target needs budget macs (or no budget); budget channels prunes a ratio of the channels')
  if (config.targetMacs === undefined && config.budget !== 'macs') return null
  const spec = initialSpec(config, facts)
  const dense = countCosts(spec).macs
  const target = config.targetMacs === undefined ? layerwiseMacs(spec, config.ratio) : config.targetMacs <= 1 ? config.targetMacs * dense : config.targetMacs
  const smallest = countCosts(withWidths(spec, Object.fromEntries(channelGroups(spec).map((g) => [g.id, 1])))).macs
  const field = config.targetMacs === undefined ? 'ratio' : 'targetMacs'
  if (target < smallest)
    throw new PlanError(
      field,
      `${Math.round(target)} MACs is below the smallest ${spec.name} that keeps one channel per layer (${smallest} MACs; dense ${dense})`,
    )
  return target
}

/** What every plan resolves the same way (the kinds add criterion, BN-L1, fine-tuning and the cap). */
export function resolvedDefaults(
  config: RunConfig,
  facts: RunFacts,
  d: Pick<ResolvedDefaults, 'criterion' | 'bnL1' | 'finetuneEpochs' | 'capEpoch'>,
  prune: PrunePhase | null,
): ResolvedDefaults {
  return {
    ...d,
    augment: resolveAugment(config, facts),
    budget: prune ? (prune.targetMacs === null ? 'channels' : 'macs') : null,
    targetMacs: prune?.targetMacs ?? null,
  }
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
    augment: resolveAugment(config, facts),
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

/**
 * Pruning with the criterion; `codesFrom` is where its spline codes come from if it reads any.
 * Refuses a criterion that scores producing filters on block-input selections (pruneInputs).
 */
export function prunePhase(config: RunConfig, facts: RunFacts, criterion: CriterionId, codesFrom: 'last-recorded' | 'init'): PrunePhase {
  if (config.pruneInputs) initialSpec(config, facts) // refuses pruneInputs on a family without block inputs
  if (config.pruneInputs && criterionNeeds(criterion, 'producer-weight'))
    throw new PlanError(
      'criterion',
      `${criterion} scores the filter producing each channel; the block-input channels pruneInputs adds have none (use bn-slimming, spline or random)`,
    )
  return {
    kind: 'prune',
    criterion,
    ratio: config.ratio,
    scope: config.scope,
    P: config.P,
    seed: config.seed,
    codes: criterionNeeds(criterion, 'spline-codes') ? codesFrom : null,
    gradients: criterionNeeds(criterion, 'training-data') ? gradientSamples(criterion) : null,
    targetMacs: resolveTargetMacs(config, facts),
    retrain: config.retrain,
    networkSeed: config.seed + 1,
  }
}

/** spline-eb and eb-bn: dense until the detector's ticket (or the cap), prune, retrain to epoch E on the continued schedule. */
export function earlyBirdPlan(config: RunConfig, facts: RunFacts, detector: DetectorId): PlanDraft {
  const criterion = criterionOf(config)
  const bnL1 = resolveBnL1(config, criterion)
  const ticket = ticketRule(config, detector)
  const E = config.epochs
  const prune = prunePhase(config, facts, criterion, 'last-recorded')
  return {
    phases: [
      densePhase(config, facts, { epochs: { count: ticket.capEpoch }, bnL1, ticket }),
      prune,
      retrainPhase(config, facts, { epochs: { untilEpoch: E }, lr: runLr(config), bnL1 }),
    ],
    defaults: resolvedDefaults(config, facts, { criterion, bnL1, finetuneEpochs: null, capEpoch: ticket.capEpoch }, prune),
    notes: [
      `dense training until the ${detector} ticket, at most ${ticket.capEpoch} epochs (ebCap ${config.ebCap})${bnL1 ? `, BN-γ L1 s = ${bnL1}` : ''}`,
      `${pruneWords(prune)} with ${criterion}, ${config.retrain} the ticket`,
      `retrain to epoch ${E}, the lr schedule continued`,
    ],
  }
}

/** "prune 50% (global)" or "prune to 1.2e5 MACs (global)" */
export function pruneWords(p: PrunePhase): string {
  return p.targetMacs === null
    ? `prune ${Math.round(p.ratio * 100)}% (${p.scope})`
    : `prune to ${Math.round(p.targetMacs)} MACs ±${MACS_TOLERANCE * 100}% (${p.scope})`
}
