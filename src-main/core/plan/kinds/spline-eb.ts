/** spline-eb: dense until the spline early-bird ticket, prune it (default: the spline criterion), retrain. */
import { earlyBirdPlan } from '../phases'
import type { PlanBuilder } from '../types'

export const splineEb: PlanBuilder = {
  method: 'spline-eb',
  build: (config, facts) => earlyBirdPlan(config, facts, 'spline-eb'),
}
