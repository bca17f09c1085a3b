/** The run kinds: one plan builder each (kinds/<method>.ts). Adding a run kind: its method in contract/runConfig.ts, its file, its entry here. */
import { dense } from './kinds/dense'
import { ebBn } from './kinds/eb-bn'
import { pruneAfter } from './kinds/prune-after'
import { pruneAtInit } from './kinds/prune-at-init'
import { splineEb } from './kinds/spline-eb'
import type { Method, PlanBuilder } from './types'

export const PLAN_BUILDERS: Record<Method, PlanBuilder> = {
  dense,
  'spline-eb': splineEb,
  'eb-bn': ebBn,
  'prune-after': pruneAfter,
  'prune-at-init': pruneAtInit,
}
