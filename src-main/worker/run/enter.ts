/**
 * Where a run enters its plan. Afresh: at the first phase, recording the untrained network's
 * spline codes if a prune step reads them. Resumed: in the phase its checkpoint belongs to, with
 * the checkpoint's network (after pruning: the pruned one, and where it was pruned).
 */
import { Network } from '../../core/network'
import type { PlanPhase } from '../../core/plan'
import { recordCodes } from '../../core/splineRecorder'
import type { RunContext } from './context'

export function enterPlan(run: RunContext): PlanPhase[] {
  const { plan, resumed, entry } = run
  const rest = plan.phases.slice(entry.index)
  if (resumed && entry.afterPrune) {
    const step = plan.phases.slice(0, entry.index).findLast((p) => p.kind === 'prune')!
    run.network.dispose()
    run.network = new Network(resumed.data.spec, step.networkSeed)
    run.network.load(resumed.data.weights)
    run.pruning = resumed.data.pruning
    run.epoch = resumed.data.pruning!.atEpoch
    return rest
  }
  if (rest.some((p) => p.kind === 'prune' && p.codes === 'init')) run.initCodes = recordCodes(run.network, run.probe, run.instruments.spline.plans)
  if (resumed) run.network.load(resumed.data.weights)
  return rest
}
