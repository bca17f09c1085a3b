/**
 * prune-after: E dense epochs, prune the trained network, fine-tune it (default E/2 epochs) on a
 * restarted lr schedule. Network slimming trains with its BN-γ L1 sparsity (s = 1e-4) unless told otherwise.
 */
import { criterionOf, densePhase, pruneWords, prunePhase, resolveBnL1, resolvedDefaults, restartedLr, retrainPhase } from '../phases'
import type { PlanBuilder } from '../types'

export const pruneAfter: PlanBuilder = {
  method: 'prune-after',
  build(config, facts) {
    const criterion = criterionOf(config)
    const bnL1 = resolveBnL1(config, criterion)
    const E = config.epochs
    const finetune = config.finetuneEpochs ?? Math.round(E / 2)
    const prune = prunePhase(config, facts, criterion, 'last-recorded')
    return {
      phases: [
        densePhase(config, facts, { epochs: { count: E }, bnL1, ticket: null }),
        prune,
        retrainPhase(config, facts, { epochs: { count: finetune }, lr: restartedLr(config, finetune), bnL1 }),
      ],
      defaults: resolvedDefaults(config, facts, { criterion, bnL1, finetuneEpochs: finetune, capEpoch: null }, prune),
      notes: [
        `${E} dense epochs${bnL1 ? `, BN-γ L1 s = ${bnL1}` : ''}`,
        `${pruneWords(prune)} with ${criterion}, ${config.retrain} the trained network`,
        `fine-tune ${finetune} epochs, the lr schedule restarted`,
      ],
    }
  },
}
