/** What a finished (or cancelled) run reports: the final network's costs, both tickets, the training FLOPs of every phase run. */
import { countCosts, trainingFlops } from '../../core/flops'
import type { RunOutcome } from '../protocol'
import type { RunContext } from './context'

export function runOutcome(run: RunContext, result: RunOutcome['outcome']): RunOutcome {
  const costs = countCosts(run.network.spec)
  const before = countCosts(run.specBefore)
  return {
    outcome: result,
    testAccuracy: run.report.lastAccuracy,
    ebEpoch: run.instruments.ticketEpoch('spline-eb'),
    bnEbEpoch: run.instruments.ticketEpoch('bn-eb'),
    params: costs.params,
    macs: costs.macs,
    flops: costs.flops,
    paramsBefore: before.params,
    macsBefore: before.macs,
    trainFlops: trainingFlops(run.costs),
    wallSeconds: (run.checkpoints?.elapsedBefore ?? 0) + (run.now() - run.started) / 1000,
    ...(run.workersAtStart > 1 && run.replicas.fellBack ? { backend: `${run.backendLabel}→1` } : {}),
  }
}
