/**
 * Carries out the plan's prune step: scores the ticket with the criterion (spline codes and the
 * training set where the plan says it reads them), solves the ratio for a MACs target where the
 * plan sets one, does the channel surgery (keeping the ticket's weights or re-initialising), and
 * reports the pruned architecture.
 */
import { Network } from '../../core/network'
import { MACS_TOLERANCE, type PrunePhase, type TicketRule } from '../../core/plan'
import { solveForMacs } from '../../core/pruning/budget'
import { selectorFor } from '../../core/pruning/prune'
import { pruneNetwork, prunedSpec } from '../../core/pruning/surgery'
import { testHooks } from '../checkpointFile'
import type { RunContext } from './context'

export function executePruneStep(run: RunContext, step: PrunePhase): void {
  const { hooks, instruments } = run
  const atEpoch = run.epoch
  const ticket = ticketBefore(run, step)
  const ebFallback = ticket !== null && instruments.ticketEpoch(ticket.detector) === null
  hooks.post({ type: 'progress', runId: run.runId, epoch: atEpoch, batch: 0, batches: 1, phase: 'prune', epochs: run.total.epochs, etaSeconds: null })
  testHooks().duringPruning()
  const codes = step.codes === 'init' ? run.initCodes : step.codes === 'last-recorded' ? instruments.spline.last : null
  const layers = instruments.spline.plans
  const selector = selectorFor(step.criterion, step.scope, {
    network: run.network,
    codes: codes ? new Map(layers.map((p, i) => [p.id, codes[i]!])) : undefined,
    training: step.gradients ? { x: run.data.xTrain, y: run.data.yTrain, featureSize: run.data.featureSize } : undefined,
    numClasses: run.data.numClasses,
    seed: step.seed,
    P: step.P,
  })
  const solved = step.targetMacs === null ? null : solveForMacs(run.network.spec, selector.select, step.targetMacs, MACS_TOLERANCE)
  const selection = solved ? solved.selection : selector.select(step.ratio)
  const ratio = solved ? solved.ratio : step.ratio
  const pruned =
    step.retrain === 'reinit' ? new Network(prunedSpec(run.network.spec, selection), step.networkSeed) : pruneNetwork(run.network, selection, step.networkSeed)
  run.network.dispose()
  run.network = pruned
  run.pruning = { atEpoch, ebFallback, kept: selection }
  hooks.post({
    type: 'pruned',
    runId: run.runId,
    arch: pruned.spec,
    pruning: {
      criterion: step.criterion,
      scope: step.scope,
      ratio,
      P: step.P,
      atEpoch,
      ebFallback,
      retrain: step.retrain,
      kept: selection,
      ...(step.targetMacs !== null ? { targetMacs: step.targetMacs } : {}),
      notes: [...selector.notes, ...(solved ? [solved.note] : []), ...(ebFallback ? [ticket!.fallbackNote] : [])],
    },
  })
}

/** The ticket rule of the train phase the step prunes after (none: nothing waited for a ticket). */
function ticketBefore(run: RunContext, step: PrunePhase): TicketRule | null {
  const before = run.plan.phases.slice(0, run.plan.phases.indexOf(step))
  for (let i = before.length - 1; i >= 0; i--) {
    const p = before[i]!
    if (p.kind === 'train') return p.ticket
  }
  return null
}
