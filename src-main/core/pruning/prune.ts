/**
 * One entry point for every criterion: scores or iterative spline selection → selection →
 * (caller) surgery.
 */
import { channelGroups } from '../spec'
import { gammaAbs, staticScores } from './criteria'
import { selectByScores } from './select'
import { splineSelect } from './splineCriterion'
import type { CriterionId, CriterionResult, Scope, ScoreContext } from './types'

export const CRITERIA: CriterionId[] = ['spline', 'bn-slimming', 'l1', 'l2', 'loss-preservation', 'grasp', 'random']

export function selectChannels(criterion: CriterionId, ratio: number, scope: Scope, ctx: Omit<ScoreContext, 'groups'>): CriterionResult {
  const groups = channelGroups(ctx.network.spec)
  if (groups.length === 0) throw new Error(`model '${ctx.network.spec.name}' has no prunable channels`)
  if (criterion === 'spline') {
    const codes = ctx.codes
    if (!codes) throw new Error('the spline criterion needs the ticket’s spline codes')
    const input = groups.map((g) => {
      const code = codes.get(g.id)
      if (!code) throw new Error(`no spline code recorded for ${g.id}`)
      return { id: g.id, code, gammaAbs: gammaAbs(ctx.network, g) }
    })
    const { selection, scores } = splineSelect(input, ratio, scope, ctx.P)
    return { selection, scores, notes: [`spline criterion, P = ${ctx.P}`] }
  }
  const { scores, notes } = staticScores(criterion, { ...ctx, groups })
  return {
    selection: selectByScores(scores, ratio, scope),
    scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Array.from(v)])),
    notes,
  }
}
