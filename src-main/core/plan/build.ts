/**
 * A validated run config and the dataset's facts → the run's plan, by the builder of its run kind
 * (registry.ts). Checks what the executor relies on, so a new builder that breaks it fails here,
 * in a unit test, not in the middle of a run.
 */
import type { RunConfig } from '../../contract/runConfig'
import { RECORDERS, detectors } from './phases'
import { PLAN_BUILDERS } from './registry'
import { phaseEpochs } from './schedule'
import type { PlanPhase, RunFacts, RunPlan } from './types'

export function buildRunPlan(config: RunConfig, facts: RunFacts): RunPlan {
  if (facts.task === 'regression') throw new Error(`dataset '${config.dataset}' is a regression dataset; training supports classification only`)
  const builder = PLAN_BUILDERS[config.method]
  if (!builder) throw new Error(`unknown method '${config.method}'`)
  const draft = builder.build(config, facts)
  const plan: RunPlan = {
    method: config.method,
    seed: config.seed,
    plannedEpochs: plannedEpochs(draft.phases),
    defaults: draft.defaults,
    recorders: RECORDERS,
    detectors: detectors(config),
    phases: draft.phases,
    notes: draft.notes,
  }
  checkPlan(plan)
  return plan
}

/** The run's last epoch if every phase runs its most epochs. */
export function plannedEpochs(phases: PlanPhase[]): number {
  let epoch = 0
  for (const p of phases) if (p.kind === 'train') epoch += Math.max(0, phaseEpochs(p, epoch))
  return epoch
}

/** Where the executor's assumptions hold: one label per train phase, `retrain` exactly after a prune, codes and detectors recorded where read. */
export function checkPlan(plan: RunPlan): void {
  const fail = (why: string) => {
    throw new Error(`plan of '${plan.method}': ${why}`)
  }
  const labels = new Set<string>()
  let pruned = false
  let recordsCodes = false
  for (const p of plan.phases) {
    if (p.kind === 'prune') {
      if (pruned) fail('prunes twice')
      if (p.codes === 'last-recorded' && !recordsCodes) fail(`${p.criterion} reads recorded spline codes but no earlier phase records them`)
      pruned = true
      continue
    }
    if (labels.has(p.label)) fail(`two train phases are labelled '${p.label}'`)
    labels.add(p.label)
    if ((p.label === 'retrain') !== pruned) fail(`the '${p.label}' phase must come ${pruned ? 'before' : 'after'} the prune step`)
    for (const r of p.recorders) if (!plan.recorders.includes(r)) fail(`phase '${p.label}' records '${r}', which the run does not create`)
    recordsCodes ||= p.recorders.includes('spline-codes')
    if (p.ticket) {
      const d = plan.detectors.find((x) => x.id === p.ticket!.detector)
      if (!d) fail(`phase '${p.label}' waits for '${p.ticket.detector}', which the run does not create`)
      else if (!p.recorders.includes(d.reads)) fail(`phase '${p.label}' waits for '${d.id}' but does not record '${d.reads}'`)
      if ('count' in p.epochs && p.epochs.count !== p.ticket.capEpoch)
        fail(`phase '${p.label}' runs ${p.epochs.count} epochs but caps its ticket at ${p.ticket.capEpoch}`)
    }
  }
}
