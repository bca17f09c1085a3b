/**
 * A run as plain data (SPEC §1): what a validated run config means, phase by phase, before any
 * tensor exists. A plan builder per run kind (kinds/) writes it; the worker's executor
 * (worker/run/) only carries it out, so the meaning of a method lives here and nowhere else.
 */
import type { CriterionId, GradientSamples } from '../../contract/criteria'
import type { ResolvedDefaults, RunConfig } from '../../contract/runConfig'

export type Method = RunConfig['method']

/** What the plan needs to know of the dataset, as the run will see it (after trainLimit). */
export interface RunFacts {
  task: 'classification' | 'regression'
  /** training examples per epoch */
  trainImages: number
  /** one example's shape: [features] or [H, W, C] */
  inputShape: number[]
  numClasses: number
}

/**
 * A bad config a plan refuses, naming the config field (`field: why`); the service reports it as
 * `config.<field>: why`, which the New-run form shows on that field.
 */
export class PlanError extends Error {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`${field}: ${why}`)
    this.name = 'PlanError'
  }
}

/** Something measured on the network after every epoch of the phases that list it. */
export type RecorderId =
  /** the spline code of every BN output on the probe, and the epoch × epoch distance matrix */
  | 'spline-codes'
  /** the global |γ| mask of the prunable channels (at the phase's start and after every epoch) */
  | 'bn-mask'

/** An early-bird detector and the recording it reads. */
export type DetectorSpec =
  | { id: 'spline-eb'; reads: 'spline-codes'; window: number; epsilon: number }
  | { id: 'bn-eb'; reads: 'bn-mask'; queue: number; threshold: number; ratio: number }
export type DetectorId = DetectorSpec['id']

/** Multi-step learning rate: base × 0.1 at every round(milestone × span) epochs past the origin. */
export interface LrSchedule {
  base: number
  milestones: number[]
  span: number
  /** 'run': counted from the run's first epoch (the schedule continues across phases); 'phase': from this phase's first (restarted) */
  origin: 'run' | 'phase'
}

/** The ticket ends a phase: at the detector's ticket, or at the cap where none appeared by then. */
export interface TicketRule {
  detector: DetectorId
  /** the phase's last epoch at the latest; the ticket is drawn here when the detector found none */
  capEpoch: number
  /** what the prune step says when the ticket was drawn at the cap */
  fallbackNote: string
}

export interface TrainPhase {
  kind: 'train'
  /** how its epochs are labelled in metrics, progress and checkpoints (unique within a plan: resume finds the phase by it) */
  label: 'dense' | 'retrain'
  /** a fixed number of epochs, or as many as bring the run to epoch `untilEpoch` */
  epochs: { count: number } | { untilEpoch: number }
  lr: LrSchedule
  optimizer: { momentum: number; weightDecay: number; bnL1: number }
  batchSize: number
  /** recorded after every epoch of this phase (their detectors update with them) */
  recorders: RecorderId[]
  /** training images are padded by 4, randomly cropped back and flipped (seeded per epoch), or left as they are */
  augment: Augment
  ticket: TicketRule | null
  /** training FLOPs it accounts: 3 × forward FLOPs of the network it trains × images × epochs it ran */
  accounts: { images: number }
}

export interface PrunePhase {
  kind: 'prune'
  criterion: CriterionId
  ratio: number
  scope: 'layerwise' | 'global'
  /** the spline criterion's blend */
  P: number
  /** criterion seed (random scores) */
  seed: number
  /** the spline codes it prunes with: of the last recorded epoch, of the untrained network, or none (the criterion needs none) */
  codes: 'last-recorded' | 'init' | null
  /** the training samples the criterion's gradients are taken on (its reference's), or none */
  gradients: GradientSamples | null
  /** MACs per image the pruned network must have (±1 %): the criterion's ratio is solved for it; null: `ratio` of the channels */
  targetMacs: number | null
  /** the pruned network keeps the ticket's weights ('finetune') or is re-initialised ('reinit') */
  retrain: 'finetune' | 'reinit'
  /** the pruned network's initialisation seed */
  networkSeed: number
}

export type PlanPhase = TrainPhase | PrunePhase

export type Augment = ResolvedDefaults['augment']
export type { ResolvedDefaults }

export interface RunPlan {
  method: Method
  /** a train phase shuffles with seed + (epochs before it) */
  seed: number
  /** epochs the run plans to train in all (progress, ETA, the data-parallel decision) */
  plannedEpochs: number
  defaults: ResolvedDefaults
  /** run-wide: created once, restored on resume, saved in every checkpoint */
  recorders: RecorderId[]
  detectors: DetectorSpec[]
  phases: PlanPhase[]
  /** the plan in words */
  notes: string[]
}

/** What a run kind's builder decides; buildRunPlan adds what every plan shares. */
export interface PlanDraft {
  phases: PlanPhase[]
  defaults: ResolvedDefaults
  notes: string[]
}

export interface PlanBuilder {
  method: Method
  build(config: RunConfig, facts: RunFacts): PlanDraft
}
