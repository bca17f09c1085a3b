/**
 * Carries out the plan's prune step: scores the ticket with the criterion (spline codes and a
 * training batch where the plan says it reads them), does the channel surgery (keeping the
 * ticket's weights or re-initialising), and reports the pruned architecture.
 */
import { Network } from '../../core/network'
import type { PrunePhase, TicketRule } from '../../core/plan'
import { selectChannels } from '../../core/pruning/prune'
import { pruneNetwork, prunedSpec } from '../../core/pruning/surgery'
import { testHooks } from '../checkpointFile'
import type { RunContext } from './context'
import { gradientBatch } from './data'

export function executePruneStep(run: RunContext, step: PrunePhase): void {
  const { hooks, instruments } = run
  const atEpoch = run.epoch
  const ticket = ticketBefore(run, step)
  const ebFallback = ticket !== null && instruments.ticketEpoch(ticket.detector) === null
  hooks.post({ type: 'progress', runId: run.runId, epoch: atEpoch, batch: 0, batches: 1, phase: 'prune', epochs: run.total.epochs, etaSeconds: null })
  testHooks().duringPruning()
  const codes = step.codes === 'init' ? run.initCodes : step.codes === 'last-recorded' ? instruments.spline.last : null
  const layers = instruments.spline.plans
  const selection = selectChannels(step.criterion, step.ratio, step.scope, {
    network: run.network,
    codes: codes ? new Map(layers.map((p, i) => [p.id, codes[i]!])) : undefined,
    batch: step.trainingBatch ? gradientBatch(run.data, step.seed, step.trainingBatch) : undefined,
    numClasses: run.data.numClasses,
    seed: step.seed,
    P: step.P,
  })
  const pruned =
    step.retrain === 'reinit'
      ? new Network(prunedSpec(run.network.spec, selection.selection), step.networkSeed)
      : pruneNetwork(run.network, selection.selection, step.networkSeed)
  run.network.dispose()
  run.network = pruned
  run.pruning = { atEpoch, ebFallback, kept: selection.selection }
  hooks.post({
    type: 'pruned',
    runId: run.runId,
    arch: pruned.spec,
    pruning: {
      criterion: step.criterion,
      scope: step.scope,
      ratio: step.ratio,
      P: step.P,
      atEpoch,
      ebFallback,
      retrain: step.retrain,
      kept: selection.selection,
      notes: [...selection.notes, ...(ebFallback ? [ticket!.fallbackNote] : [])],
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
