/**
 * Runs one job inside the worker (SPEC §1): the run config becomes a plan (core/plan: dense with
 * its recorders and ticket rule, prune, retrain), and the executor (run/) carries it out phase by
 * phase. Knows nothing of SQLite: every result leaves as a message; the main process persists it.
 */
import type { RunConfig } from '../contract/api'
import type { RunOutcome } from './protocol'
import type { JobHooks } from './run/context'
import { enterPlan } from './run/enter'
import { runOutcome } from './run/outcome'
import { executePruneStep } from './run/pruneStep'
import { startRun } from './run/start'
import { executeTrainPhase } from './run/trainPhase'

export type { JobHooks }

export async function runJob(runId: string, config: RunConfig, hooks: JobHooks): Promise<RunOutcome> {
  const run = await startRun(runId, config, hooks)
  try {
    for (const phase of enterPlan(run)) {
      if (phase.kind === 'prune') executePruneStep(run, phase)
      else if ((await executeTrainPhase(run, phase)) === 'cancelled') return runOutcome(run, 'cancelled')
    }
    return runOutcome(run, 'finished')
  } finally {
    await run.replicas.close()
    run.network.dispose()
  }
}
