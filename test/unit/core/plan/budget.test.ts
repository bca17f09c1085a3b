/** What the plan resolves and refuses for augmentation, MACs budgets, network slimming's sparsity and block-input pruning. */
import { describe, expect, it } from 'vitest'
import { RunConfigSchema, type RunConfigInput } from '../../../../src-main/contract/api'
import { buildRunPlan, layerwiseMacs, PlanError, type PrunePhase, type RunFacts, type TrainPhase } from '../../../../src-main/core/plan'
import { buildSpec } from '../../../../src-main/core/models'
import { countCosts } from '../../../../src-main/core/flops'

const toy: RunFacts = { task: 'classification', trainImages: 300, inputShape: [2], numClasses: 2 }
const fashion: RunFacts = { task: 'classification', trainImages: 300, inputShape: [28, 28, 1], numClasses: 10 }
const cifar: RunFacts = { task: 'classification', trainImages: 300, inputShape: [32, 32, 3], numClasses: 10 }
const config = (c: Partial<RunConfigInput>) => RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', ...c })
const plan = (c: Partial<RunConfigInput>, facts = toy) => buildRunPlan(config(c), facts)
const refusal = (c: Partial<RunConfigInput>, facts = toy) => {
  try {
    plan(c, facts)
  } catch (err) {
    return err instanceof PlanError ? err.message : `not a PlanError: ${String(err)}`
  }
  return null
}
const pruneOf = (c: Partial<RunConfigInput>, facts = toy) => plan(c, facts).phases.find((p): p is PrunePhase => p.kind === 'prune')!
const trains = (c: Partial<RunConfigInput>, facts = toy) => plan(c, facts).phases.filter((p): p is TrainPhase => p.kind === 'train')

describe('augmentation', () => {
  it('auto: crop + flip for 3-channel images only; every train phase does what the defaults say', () => {
    expect(plan({ model: 'cnn', method: 'spline-eb' }, cifar).defaults.augment).toBe('crop-flip')
    expect(trains({ model: 'cnn', method: 'spline-eb' }, cifar).map((t) => t.augment)).toEqual(['crop-flip', 'crop-flip'])
    expect(plan({ model: 'cnn' }, fashion).defaults.augment).toBe('none')
    expect(plan({}, toy).defaults.augment).toBe('none')
    expect(plan({ model: 'cnn', augment: 'crop-flip' }, fashion).defaults.augment).toBe('crop-flip')
    expect(plan({ model: 'cnn', augment: 'none' }, cifar).defaults.augment).toBe('none')
  })

  it('is refused on 2-D toy data, naming the field', () => {
    expect(refusal({ augment: 'crop-flip' })).toBe("augment: crop-flip needs image data (H×W×C); dataset 'builtin:xshape' has [2] inputs")
    expect(refusal({ augment: 'auto' })).toBeNull()
  })
})

describe('MACs budgets', () => {
  const spec = buildSpec('cnn', [28, 28, 1], 10, { width: 0.5 })
  const dense = countCosts(spec).macs

  it('budget macs aims at the MACs layerwise pruning at the ratio leaves, for every criterion alike', () => {
    const target = layerwiseMacs(spec, 0.5)
    // conv1 8 → 4, conv2 16 → 8: computed by hand
    expect(target).toBe(28 * 28 * 9 * 1 * 4 + 14 * 14 * 9 * 4 * 8 + 7 * 7 * 8 * 10)
    for (const criterion of ['spline', 'l1', 'random', 'grasp'] as const) {
      const p = plan({ model: 'cnn', width: 0.5, method: 'prune-after', criterion, budget: 'macs', ratio: 0.5 }, fashion)
      expect(p.defaults).toMatchObject({ budget: 'macs', targetMacs: target })
      expect(pruneOf({ model: 'cnn', width: 0.5, method: 'prune-after', criterion, budget: 'macs' }, fashion).targetMacs).toBe(target)
    }
    expect(plan({ model: 'cnn', width: 0.5, method: 'prune-after' }, fashion).defaults).toMatchObject({ budget: 'channels', targetMacs: null })
    expect(plan({ model: 'cnn', width: 0.5, method: 'dense', budget: 'macs' }, fashion).defaults).toMatchObject({ budget: null, targetMacs: null })
  })

  it('targetMacs: ≤ 1 a fraction of the dense MACs, > 1 a count', () => {
    expect(pruneOf({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: 0.25 }, fashion).targetMacs).toBeCloseTo(0.25 * dense, 6)
    expect(pruneOf({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: 50_000 }, fashion).targetMacs).toBe(50_000)
  })

  it('refuses a target below one channel per layer, and a target with budget channels, naming the field', () => {
    const smallest = 28 * 28 * 9 + 14 * 14 * 9 + 7 * 7 * 10
    expect(refusal({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: 1000 }, fashion)).toBe(
      `targetMacs: 1000 MACs is below the smallest cnn that keeps one channel per layer (${smallest} MACs; dense ${dense})`,
    )
    expect(refusal({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: 0.001 }, fashion)).toMatch(/^targetMacs: \d+ MACs is below the smallest cnn/)
    expect(refusal({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: smallest }, fashion)).toBeNull()
    expect(refusal({ model: 'cnn', width: 0.5, method: 'spline-eb', targetMacs: 0.5, budget: 'channels' }, fashion)).toMatch(
      /^targetMacs: a MACs target needs budget macs/,
    )
  })
})

describe('network slimming and block inputs', () => {
  it('bn-slimming trains with BN-L1 1e-4 in every run kind unless bnL1 is set', () => {
    for (const method of ['spline-eb', 'prune-after', 'prune-at-init'] as const) {
      expect(plan({ method, criterion: 'bn-slimming' }).defaults.bnL1).toBe(1e-4)
      for (const t of trains({ method, criterion: 'bn-slimming' })) expect(t.optimizer.bnL1).toBe(1e-4)
      expect(plan({ method, criterion: 'bn-slimming', bnL1: 0 }).defaults.bnL1).toBe(0)
    }
  })

  it('pruneInputs: PreResNets only, and only with criteria that do not score a producing filter', () => {
    const c = { model: 'preresnet20' as const, method: 'prune-after' as const, pruneInputs: true }
    expect(refusal({ ...c, criterion: 'bn-slimming' }, cifar)).toBeNull()
    expect(refusal({ ...c, criterion: 'spline' }, cifar)).toBeNull()
    expect(refusal({ ...c, criterion: 'l1' }, cifar)).toMatch(
      /^criterion: l1 scores the filter producing each channel; the block-input channels pruneInputs adds have none/,
    )
    expect(refusal({ ...c, criterion: 'grasp' }, cifar)).toMatch(/^criterion: grasp scores the filter/)
    expect(refusal({ ...c, model: 'resnet20', criterion: 'random' }, cifar)).toBe(
      'pruneInputs: resnet20: only PreResNets select block-input channels (pruneInputs)',
    )
  })
})
