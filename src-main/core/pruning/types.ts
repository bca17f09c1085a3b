/**
 * Pruning criteria are strategies: each scores the channels of every prunable group (low score =
 * pruned first). Selection (layerwise or global, ≥ 1 channel kept per group) and surgery are
 * shared. The spline criterion is iterative (scores change after each removal) and so selects
 * on its own, through the same `Selection` result.
 */
import type { Network } from '../network'
import type { ChannelGroup } from '../../contract/arch'
import type { CriterionId, GradientSamples } from '../../contract/criteria'
import type { LayerCode } from '../splineCodes'

export type { CriterionId }
export type Scope = 'layerwise' | 'global'

export interface ScoreContext {
  network: Network
  groups: ChannelGroup[]
  /** channel-major spline codes of the ticket, by BN id (spline criterion) */
  codes?: Map<string, LayerCode>
  /** the run's training set, which the gradient criteria draw their samples from (featureSize values per example) */
  training?: TrainingSet
  numClasses?: number
  seed: number
  /** spline criterion blend: P·rank(redundancy) + (1−P)·rank(|γ|) */
  P: number
}

export interface TrainingSet {
  x: Float32Array
  y: Int32Array
  featureSize: number
}

/** The samples a gradient criterion scores on, with each one's weight in the loss (they sum to 1). */
export interface WeightedSamples {
  x: Float32Array
  y: Int32Array
  weights: Float64Array
  count: number
  /** what the criterion's notes say of them */
  note: string
}

export type { GradientSamples }

/** Kept channel indices (ascending) per group id. */
export type Selection = Record<string, number[]>

export interface CriterionResult {
  selection: Selection
  /** per-group channel scores at the start of selection (for the report / UI) */
  scores: Record<string, number[]>
  notes: string[]
}

/** Channel scores per group id (low = pruned first). */
export type Scores = Record<string, Float32Array>

/**
 * One criterion's implementation, exported as `criterion` from criteria/<id>.ts (its descriptor
 * is in contract/criteria.ts). Most score channels once and leave selection to `select.ts`; an
 * iterative one selects by itself.
 */
export type Criterion =
  | { id: CriterionId; kind: 'scores'; score(ctx: ScoreContext): { scores: Scores; notes: string[] } }
  | { id: CriterionId; kind: 'selects'; select(ctx: ScoreContext, ratio: number, scope: Scope): CriterionResult }
