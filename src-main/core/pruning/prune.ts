/**
 * One entry point for every criterion: scores (then the shared selection) or a criterion's own
 * iterative selection → selection → (caller) surgery.
 */
import { channelGroups } from '../spec'
import { criterionImpl } from './registry'
import { selectByScores } from './select'
import type { CriterionId, CriterionResult, Scope, ScoreContext } from './types'

export function selectChannels(criterion: CriterionId, ratio: number, scope: Scope, ctx: Omit<ScoreContext, 'groups'>): CriterionResult {
  const groups = channelGroups(ctx.network.spec)
  if (groups.length === 0) throw new Error(`model '${ctx.network.spec.name}' has no prunable channels`)
  const impl = criterionImpl(criterion)
  if (impl.kind === 'selects') return impl.select({ ...ctx, groups }, ratio, scope)
  const { scores, notes } = impl.score({ ...ctx, groups })
  return {
    selection: selectByScores(scores, ratio, scope),
    scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Array.from(v)])),
    notes,
  }
}
