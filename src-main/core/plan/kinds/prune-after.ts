/** prune-after: E dense epochs, prune the trained network, fine-tune it (default E/2 epochs) on a restarted lr schedule. */
import { criterionOf, densePhase, prunePhase, restartedLr, retrainPhase } from '../phases'
import type { PlanBuilder } from '../types'

export const pruneAfter: PlanBuilder = {
  method: 'prune-after',
  build(config, facts) {
    const criterion = criterionOf(config)
    const bnL1 = config.bnL1 ?? 0
    const E = config.epochs
    const finetune = config.finetuneEpochs ?? Math.round(E / 2)
    return {
      phases: [
        densePhase(config, facts, { epochs: { count: E }, bnL1, ticket: null }),
        prunePhase(config, criterion, 'last-recorded'),
        retrainPhase(config, facts, { epochs: { count: finetune }, lr: restartedLr(config, finetune), bnL1 }),
      ],
      defaults: { criterion, bnL1, finetuneEpochs: finetune, capEpoch: null },
      notes: [
        `${E} dense epochs`,
        `prune ${Math.round(config.ratio * 100)}% (${config.scope}) with ${criterion}, ${config.retrain} the trained network`,
        `fine-tune ${finetune} epochs, the lr schedule restarted`,
      ],
    }
  },
}
