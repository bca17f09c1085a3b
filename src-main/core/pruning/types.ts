/**
 * Pruning criteria are strategies: each scores the channels of every prunable group (low score =
 * pruned first). Selection (layerwise or global, ≥ 1 channel kept per group) and surgery are
 * shared. The spline criterion is iterative (scores change after each removal) and so selects
 * on its own, through the same `Selection` result.
 */
import type { Network } from '../network'
import type { ChannelGroup } from '../../contract/arch'
import type { LayerCode } from '../splineCodes'

export type CriterionId = 'spline' | 'bn-slimming' | 'l1' | 'l2' | 'loss-preservation' | 'grasp' | 'random'
export type Scope = 'layerwise' | 'global'

export interface ScoreContext {
  network: Network
  groups: ChannelGroup[]
  /** channel-major spline codes of the ticket, by BN id (spline criterion) */
  codes?: Map<string, LayerCode>
  /** a batch of training data for gradient-based criteria */
  batch?: { x: Float32Array; y: Int32Array; count: number }
  numClasses?: number
  seed: number
  /** spline criterion blend: P·rank(redundancy) + (1−P)·rank(|γ|) */
  P: number
}

/** Kept channel indices (ascending) per group id. */
export type Selection = Record<string, number[]>

export interface CriterionResult {
  selection: Selection
  /** per-group channel scores at the start of selection (for the report / UI) */
  scores: Record<string, number[]>
  notes: string[]
}
