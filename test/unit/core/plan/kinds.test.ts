/** Every run kind's plan, whole, for a default config: what it trains, records, waits for, prunes and accounts. */
import { describe, expect, it } from 'vitest'
import { METHODS, RunConfigSchema, type RunConfigInput } from '../../../../src-main/contract/api'
import { PLAN_BUILDERS, buildRunPlan, type RunPlan } from '../../../../src-main/core/plan'

const facts = { task: 'classification' as const, trainImages: 1000, inputShape: [2], numClasses: 2 }
const config = (c: Partial<RunConfigInput>) => RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', epochs: 20, ...c })
const plan = (c: Partial<RunConfigInput>) => buildRunPlan(config(c), facts)

const lr = (origin: 'run' | 'phase', span: number) => ({ base: 0.1, milestones: [0.5, 0.75], span, origin })
const optimizer = (bnL1: number) => ({ momentum: 0.9, weightDecay: 1e-4, bnL1 })
const dense = (epochs: number, bnL1 = 0, ticket: unknown = null) => ({
  kind: 'train',
  label: 'dense',
  epochs: { count: epochs },
  lr: lr('run', 20),
  optimizer: optimizer(bnL1),
  batchSize: 64,
  recorders: ['spline-codes', 'bn-mask'],
  augment: 'none',
  ticket,
  accounts: { images: 1000 },
})
const retrain = (epochs: { count: number } | { untilEpoch: number }, schedule = lr('run', 20), bnL1 = 0) => ({
  kind: 'train',
  label: 'retrain',
  epochs,
  lr: schedule,
  optimizer: optimizer(bnL1),
  batchSize: 64,
  recorders: [],
  augment: 'none',
  ticket: null,
  accounts: { images: 1000 },
})
const prune = (criterion: string, codes: string | null, gradients: unknown = null) => ({
  kind: 'prune',
  criterion,
  ratio: 0.5,
  scope: 'global',
  P: 0.75,
  seed: 0,
  codes,
  gradients,
  targetMacs: null,
  retrain: 'finetune',
  networkSeed: 1,
})
const shared = {
  seed: 0,
  recorders: ['spline-codes', 'bn-mask'],
  detectors: [
    { id: 'spline-eb', reads: 'spline-codes', window: 3, epsilon: 0.16 },
    { id: 'bn-eb', reads: 'bn-mask', queue: 5, threshold: 0.1, ratio: 0.5 },
  ],
}
const withoutNotes = ({ notes, ...rest }: RunPlan) => {
  expect(notes.length).toBeGreaterThan(0)
  for (const n of notes) expect(n).toMatch(/^\S.*\S$/)
  return rest
}

describe('plan of every run kind', () => {
  it('has one builder per method, registered under its method', () => {
    expect(Object.keys(PLAN_BUILDERS).sort()).toEqual([...METHODS].sort())
    for (const [method, b] of Object.entries(PLAN_BUILDERS)) expect(b.method).toBe(method)
  })

  it('dense: E epochs with both recorders, no ticket, nothing pruned', () => {
    expect(withoutNotes(plan({ method: 'dense' }))).toEqual({
      method: 'dense',
      plannedEpochs: 20,
      defaults: { criterion: null, bnL1: 0, finetuneEpochs: null, capEpoch: null, augment: 'none', budget: null, targetMacs: null },
      phases: [dense(20)],
      ...shared,
    })
  })

  it('spline-eb: dense until the spline ticket (cap E/2), prune with the last codes, retrain to E on the continued schedule', () => {
    const ticket = { detector: 'spline-eb', capEpoch: 10, fallbackNote: 'no early-bird ticket by epoch 10: drew it there (ebCap 0.5)' }
    expect(withoutNotes(plan({ method: 'spline-eb' }))).toEqual({
      method: 'spline-eb',
      plannedEpochs: 20,
      defaults: { criterion: 'spline', bnL1: 0, finetuneEpochs: null, capEpoch: 10, augment: 'none', budget: 'channels', targetMacs: null },
      phases: [dense(10, 0, ticket), prune('spline', 'last-recorded'), retrain({ untilEpoch: 20 })],
      ...shared,
    })
  })

  it('eb-bn: BN-L1 1e-4 in both phases, dense until the BN-mask ticket, network slimming', () => {
    const ticket = { detector: 'bn-eb', capEpoch: 10, fallbackNote: 'no early-bird ticket by epoch 10: drew it there (ebCap 0.5)' }
    expect(withoutNotes(plan({ method: 'eb-bn' }))).toEqual({
      method: 'eb-bn',
      plannedEpochs: 20,
      defaults: { criterion: 'bn-slimming', bnL1: 1e-4, finetuneEpochs: null, capEpoch: 10, augment: 'none', budget: 'channels', targetMacs: null },
      phases: [dense(10, 1e-4, ticket), prune('bn-slimming', null), retrain({ untilEpoch: 20 }, lr('run', 20), 1e-4)],
      ...shared,
    })
  })

  it('prune-after: E dense epochs (network slimming: with its BN-L1 1e-4), prune, fine-tune E/2 epochs on a restarted schedule', () => {
    expect(withoutNotes(plan({ method: 'prune-after' }))).toEqual({
      method: 'prune-after',
      plannedEpochs: 30,
      defaults: { criterion: 'bn-slimming', bnL1: 1e-4, finetuneEpochs: 10, capEpoch: null, augment: 'none', budget: 'channels', targetMacs: null },
      phases: [dense(20, 1e-4), prune('bn-slimming', null), retrain({ count: 10 }, lr('phase', 10), 1e-4)],
      ...shared,
    })
  })

  it('prune-at-init: prune the untrained network with training samples (loss preservation, as flowandprune), train it E epochs', () => {
    expect(withoutNotes(plan({ method: 'prune-at-init' }))).toEqual({
      method: 'prune-at-init',
      plannedEpochs: 20,
      defaults: { criterion: 'loss-preservation', bnL1: 0, finetuneEpochs: null, capEpoch: null, augment: 'none', budget: 'channels', targetMacs: null },
      phases: [prune('loss-preservation', null, { samples: 2560, perClass: false, batch: 128, temperature: 5 }), retrain({ count: 20 })],
      ...shared,
    })
  })

  it('is plain data: it survives JSON unchanged', () => {
    for (const method of METHODS) {
      const p = plan({ method, criterion: method === 'dense' ? undefined : 'spline' })
      expect(JSON.parse(JSON.stringify(p))).toEqual(p)
    }
  })
})
