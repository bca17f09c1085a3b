/**
 * What the score-based criteria read of a channel group: |γ| of its BN, the weight producing it,
 * and sums over each output channel of that weight.
 */
import type { ChannelGroup } from '../../contract/arch'
import type { CriterionId } from '../../contract/criteria'
import type { Network } from '../network'
import { producerWeight } from './producers'
import type { Scores, ScoreContext, TrainingSet } from './types'

export function gammaAbs(network: Network, group: ChannelGroup): Float32Array {
  return (network.param(`${group.id}.gamma`).dataSync() as Float32Array).map(Math.abs)
}

/** The weight producing the group's channels; refused for a block-input selection, which no one weight produces. */
export function requireProducer(group: ChannelGroup, criterion: CriterionId): string {
  const w = producerWeight(group)
  if (!w)
    throw new Error(`criterion ${criterion} scores the filter producing a channel; ${group.id} selects residual-stream channels, which no filter produces`)
  return w
}

/** The values of the weight producing the group's channels (output channel on the last axis). */
export function producerValues(network: Network, group: ChannelGroup, criterion: CriterionId): Float32Array {
  return network.param(requireProducer(group, criterion)).dataSync() as Float32Array
}

/** Σ over each output channel (last axis) of f(values). */
export function perChannel(values: Float32Array, channels: number, f: (v: number, i: number) => number): Float32Array {
  const out = new Float32Array(channels)
  for (let i = 0; i < values.length; i++) out[i % channels]! += f(values[i]!, i)
  return out
}

/** Per group: Σ over the producing filter of f(θᵢ, i, weight name). */
export function filterScores(ctx: ScoreContext, criterion: CriterionId, f: (theta: number, i: number, weight: string) => number): Scores {
  const scores: Scores = {}
  for (const g of ctx.groups) {
    const w = requireProducer(g, criterion)
    scores[g.id] = perChannel(ctx.network.param(w).dataSync() as Float32Array, g.width, (v, i) => f(v, i, w))
  }
  return scores
}

/** The training set and class count a gradient criterion needs, or a one-line refusal. */
export function needsTraining(ctx: ScoreContext, criterion: CriterionId): { training: TrainingSet; numClasses: number } {
  if (!ctx.training || !ctx.numClasses) throw new Error(`criterion ${criterion} needs labelled training samples`)
  return { training: ctx.training, numClasses: ctx.numClasses }
}
