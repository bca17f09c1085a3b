/** dense: E epochs of the full network; nothing is pruned (the baseline). */
import { densePhase, resolveBnL1, resolvedDefaults } from '../phases'
import type { PlanBuilder } from '../types'

export const dense: PlanBuilder = {
  method: 'dense',
  build(config, facts) {
    const bnL1 = resolveBnL1(config, null)
    return {
      phases: [densePhase(config, facts, { epochs: { count: config.epochs }, bnL1, ticket: null })],
      defaults: resolvedDefaults(config, facts, { criterion: null, bnL1, finetuneEpochs: null, capEpoch: null }, null),
      notes: [`${config.epochs} dense epochs, no pruning`],
    }
  },
}
