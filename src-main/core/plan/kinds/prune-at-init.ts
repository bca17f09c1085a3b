/**
 * prune-at-init: prune the untrained network (default: loss preservation, SNIP-like; the spline
 * criterion reads the codes of the initial network), then train it E epochs.
 */
import { criterionOf, prunePhase, retrainPhase, runLr } from '../phases'
import type { PlanBuilder } from '../types'

export const pruneAtInit: PlanBuilder = {
  method: 'prune-at-init',
  build(config, facts) {
    const criterion = criterionOf(config)
    const bnL1 = config.bnL1 ?? 0
    return {
      phases: [prunePhase(config, criterion, 'init'), retrainPhase(config, facts, { epochs: { count: config.epochs }, lr: runLr(config), bnL1 })],
      defaults: { criterion, bnL1, finetuneEpochs: null, capEpoch: null },
      notes: [
        `prune ${Math.round(config.ratio * 100)}% (${config.scope}) of the untrained network with ${criterion}, ${config.retrain}`,
        `train the pruned network ${config.epochs} epochs`,
      ],
    }
  },
}
