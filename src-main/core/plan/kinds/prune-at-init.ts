/**
 * prune-at-init: prune the untrained network (default: loss preservation, SNIP-like; the spline
 * criterion reads the codes of the initial network), then train it E epochs.
 */
import { criterionOf, pruneWords, prunePhase, resolveBnL1, resolvedDefaults, retrainPhase, runLr } from '../phases'
import type { PlanBuilder } from '../types'

export const pruneAtInit: PlanBuilder = {
  method: 'prune-at-init',
  build(config, facts) {
    const criterion = criterionOf(config)
    const bnL1 = resolveBnL1(config, criterion)
    const prune = prunePhase(config, facts, criterion, 'init')
    return {
      phases: [prune, retrainPhase(config, facts, { epochs: { count: config.epochs }, lr: runLr(config), bnL1 })],
      defaults: resolvedDefaults(config, facts, { criterion, bnL1, finetuneEpochs: null, capEpoch: null }, prune),
      notes: [`${pruneWords(prune)} of the untrained network with ${criterion}, ${config.retrain}`, `train the pruned network ${config.epochs} epochs`],
    }
  },
}
