/**
 * One entry point for every criterion: scores (then the shared selection) or a criterion's own
 * iterative selection → selection → (caller) surgery.
 */
import { keptFloor } from '../../contract/criteria'
import { channelGroups } from '../spec'
import { criterionImpl } from './registry'
import { selectByScores } from './select'
import type { CriterionId, CriterionResult, Scope, ScoreContext, Selection } from './types'

/** A criterion's selection at any ratio: scores are computed once, an iterative criterion selects again each time. */
export interface Selector {
  select(ratio: number): Selection
  scores: Record<string, number[]>
  notes: string[]
}

export function selectorFor(criterion: CriterionId, scope: Scope, ctx: Omit<ScoreContext, 'groups'>): Selector {
  const groups = channelGroups(ctx.network.spec)
  if (groups.length === 0) throw new Error(`model '${ctx.network.spec.name}' has no prunable channels`)
  const impl = criterionImpl(criterion)
  if (impl.kind === 'selects') {
    const first = impl.select({ ...ctx, groups }, 0, scope)
    return { select: (ratio) => impl.select({ ...ctx, groups }, ratio, scope).selection, scores: first.scores, notes: first.notes }
  }
  const { scores, notes } = impl.score({ ...ctx, groups })
  const floor = (width: number) => keptFloor(criterion, width)
  return {
    select: (ratio) => selectByScores(scores, ratio, scope, floor),
    scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Array.from(v)])),
    notes,
  }
}

export function selectChannels(criterion: CriterionId, ratio: number, scope: Scope, ctx: Omit<ScoreContext, 'groups'>): CriterionResult {
  const groups = channelGroups(ctx.network.spec)
  if (groups.length === 0) throw new Error(`model '${ctx.network.spec.name}' has no prunable channels`)
  const impl = criterionImpl(criterion)
  if (impl.kind === 'selects') return impl.select({ ...ctx, groups }, ratio, scope)
  const s = selectorFor(criterion, scope, ctx)
  return { selection: s.select(ratio), scores: s.scores, notes: s.notes }
}
