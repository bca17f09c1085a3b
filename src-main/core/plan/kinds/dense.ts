/** dense: E epochs of the full network; nothing is pruned (the baseline). */
import { densePhase } from '../phases'
import type { PlanBuilder } from '../types'

export const dense: PlanBuilder = {
  method: 'dense',
  build(config, facts) {
    const bnL1 = config.bnL1 ?? 0
    return {
      phases: [densePhase(config, facts, { epochs: { count: config.epochs }, bnL1, ticket: null })],
      defaults: { criterion: null, bnL1, finetuneEpochs: null, capEpoch: null },
      notes: [`${config.epochs} dense epochs, no pruning`],
    }
  },
}
