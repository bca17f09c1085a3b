/**
 * eb-bn: the original early-bird ticket (You et al.): dense with BN-γ L1 sparsity (default
 * s = 1e-4, kept while retraining) until the BN-mask ticket, prune it (default: network slimming), retrain.
 */
import { SLIMMING_BN_L1, earlyBirdPlan } from '../phases'
import type { PlanBuilder } from '../types'

export const DEFAULT_EB_BN_L1 = SLIMMING_BN_L1

export const ebBn: PlanBuilder = {
  method: 'eb-bn',
  build: (config, facts) => earlyBirdPlan(config, facts, 'bn-eb'),
}
