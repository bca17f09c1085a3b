/** The defaults a plan resolves, the early-bird cap, where codes and gradients come from, and the refusals. */
import { describe, expect, it } from 'vitest'
import { CRITERIA, DEFAULT_CRITERION, METHODS, RunConfigSchema, type RunConfigInput } from '../../../../src-main/contract/api'
import { buildRunPlan, type PrunePhase, type TrainPhase } from '../../../../src-main/core/plan'

const facts = { task: 'classification' as const, trainImages: 300, inputShape: [2], numClasses: 2 }
const config = (c: Partial<RunConfigInput>) => RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', ...c })
const plan = (c: Partial<RunConfigInput>) => buildRunPlan(config(c), facts)
const pruneOf = (c: Partial<RunConfigInput>) => plan(c).phases.find((p): p is PrunePhase => p.kind === 'prune')!
const trains = (c: Partial<RunConfigInput>) => plan(c).phases.filter((p): p is TrainPhase => p.kind === 'train')

describe('resolved defaults', () => {
  it('criterion: the config’s, else the method’s default', () => {
    for (const method of METHODS) {
      expect(plan({ method }).defaults.criterion).toBe(DEFAULT_CRITERION[method])
      if (method === 'dense') continue
      for (const criterion of CRITERIA) {
        expect(plan({ method, criterion }).defaults.criterion).toBe(criterion)
        expect(pruneOf({ method, criterion }).criterion).toBe(criterion)
      }
    }
    expect(plan({ method: 'dense', criterion: 'l1' }).phases.some((p) => p.kind === 'prune')).toBe(false)
  })

  it('BN-L1: 1e-4 for eb-bn and whenever the criterion is network slimming, 0 otherwise, the config’s when given; the same in every train phase', () => {
    for (const method of METHODS) {
      const slims = method === 'eb-bn' || DEFAULT_CRITERION[method] === 'bn-slimming'
      const expected = slims ? 1e-4 : 0
      expect(plan({ method }).defaults.bnL1).toBe(expected)
      for (const t of trains({ method })) expect(t.optimizer.bnL1).toBe(expected)
      for (const t of trains({ method, bnL1: 0.003 })) expect(t.optimizer.bnL1).toBe(0.003)
      if (method === 'dense') continue
      for (const criterion of CRITERIA) {
        const want = method === 'eb-bn' || criterion === 'bn-slimming' ? 1e-4 : 0
        expect(plan({ method, criterion }).defaults.bnL1).toBe(want)
        for (const t of trains({ method, criterion })) expect(t.optimizer.bnL1).toBe(want)
        expect(plan({ method, criterion, bnL1: 0 }).defaults.bnL1).toBe(0)
      }
    }
  })

  it('fine-tuning: round(E/2) epochs unless given, planned after the E dense ones', () => {
    for (const [epochs, ft] of [
      [20, 10],
      [7, 4],
      [1, 1],
    ] as const) {
      const p = plan({ method: 'prune-after', epochs })
      expect(p.defaults.finetuneEpochs).toBe(ft)
      expect(p.plannedEpochs).toBe(epochs + ft)
    }
    const p = plan({ method: 'prune-after', epochs: 6, finetuneEpochs: 0 })
    expect(p.plannedEpochs).toBe(6)
    expect(trains({ method: 'prune-after', epochs: 6, finetuneEpochs: 3 })[1]).toMatchObject({ epochs: { count: 3 }, lr: { origin: 'phase', span: 3 } })
  })

  it('the early-bird cap is round(ebCap·E), at least 1, and bounds the dense phase', () => {
    for (const [epochs, ebCap, cap] of [
      [20, 0.5, 10],
      [30, 0.4, 12],
      [5, 0.5, 3],
      [1, 0.1, 1],
      [10, 1, 10],
    ] as const) {
      for (const method of ['spline-eb', 'eb-bn'] as const) {
        const [denseP, retrainP] = trains({ method, epochs, ebCap })
        expect(plan({ method, epochs, ebCap }).defaults.capEpoch).toBe(cap)
        expect(denseP!.epochs).toEqual({ count: cap })
        expect(denseP!.ticket).toEqual({
          detector: method === 'spline-eb' ? 'spline-eb' : 'bn-eb',
          capEpoch: cap,
          fallbackNote: `no early-bird ticket by epoch ${cap}: drew it there (ebCap ${ebCap})`,
        })
        expect(retrainP!.epochs).toEqual({ untilEpoch: epochs })
        expect(plan({ method, epochs, ebCap }).plannedEpochs).toBe(epochs)
      }
    }
  })

  it('only the early-bird kinds wait for a ticket; the other kinds have no cap', () => {
    for (const method of METHODS) {
      const waits = trains({ method }).filter((t) => t.ticket)
      expect(waits.length).toBe(method === 'spline-eb' || method === 'eb-bn' ? 1 : 0)
      if (!waits.length) expect(plan({ method }).defaults.capEpoch).toBeNull()
    }
  })
})

describe('what the prune step reads', () => {
  it('spline codes: the last recorded epoch’s after training, the untrained network’s at init, none for criteria without codes', () => {
    expect(pruneOf({ method: 'spline-eb' }).codes).toBe('last-recorded')
    expect(pruneOf({ method: 'prune-after', criterion: 'spline' }).codes).toBe('last-recorded')
    expect(pruneOf({ method: 'prune-at-init', criterion: 'spline' }).codes).toBe('init')
    for (const criterion of ['bn-slimming', 'l1', 'l2', 'loss-preservation', 'grasp', 'random'] as const) {
      expect(pruneOf({ method: 'prune-at-init', criterion }).codes).toBeNull()
      expect(pruneOf({ method: 'eb-bn', criterion }).codes).toBeNull()
    }
  })

  it('training samples for the gradient criteria only, as their reference draws them', () => {
    for (const criterion of CRITERIA) {
      const wants = criterion === 'loss-preservation' || criterion === 'grasp'
      expect(pruneOf({ method: 'prune-after', criterion }).gradients !== null).toBe(wants)
    }
    expect(pruneOf({ method: 'prune-after', criterion: 'loss-preservation' }).gradients).toEqual({ samples: 2560, perClass: false, batch: 128, temperature: 5 })
    expect(pruneOf({ method: 'prune-after', criterion: 'grasp' }).gradients).toEqual({ samples: 2560, perClass: true, batch: 128, temperature: 200 })
  })

  it('ratio, scope, P, reinit and the seeds come from the config', () => {
    expect(pruneOf({ method: 'spline-eb', ratio: 0.3, scope: 'layerwise', P: 0.2, retrain: 'reinit', seed: 7 })).toMatchObject({
      ratio: 0.3,
      scope: 'layerwise',
      P: 0.2,
      retrain: 'reinit',
      seed: 7,
      networkSeed: 8,
    })
  })
})

describe('refusals', () => {
  it('a regression dataset, in one line naming it', () => {
    expect(() => buildRunPlan(config({ dataset: 'builtin:sawtooth' }), { task: 'regression', trainImages: 10, inputShape: [1], numClasses: 1 })).toThrow(
      "dataset 'builtin:sawtooth' is a regression dataset; training supports classification only",
    )
  })
})
