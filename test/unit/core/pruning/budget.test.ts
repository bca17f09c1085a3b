/** Solving a criterion's ratio for a MACs target: the closest selection of all, within ±1 % where one exists. */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../../../src-main/core/network'
import { buildSpec } from '../../../../src-main/core/models'
import { countCosts } from '../../../../src-main/core/flops'
import { layerwiseMacs } from '../../../../src-main/core/plan'
import { solveForMacs } from '../../../../src-main/core/pruning/budget'
import { selectorFor } from '../../../../src-main/core/pruning/prune'
import { prunedSpec } from '../../../../src-main/core/pruning/surgery'
import { channelGroups } from '../../../../src-main/core/spec'
import { planCodes, recordCodes } from '../../../../src-main/core/splineRecorder'
import { randomData } from '../../../helpers/trainedNet'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function setup(model: string, width: number) {
  const spec = buildSpec(model, [32, 32, 3], 10, { width })
  const net = new Network(spec, 3)
  const probe = { x: randomData([32, 32, 3], 10, 8, 1).x, count: 8 }
  const plans = planCodes(net, probe, 4096, 1)
  const codes = recordCodes(net, probe, plans)
  const ctx = { network: net, codes: new Map(plans.map((p, i) => [p.id, codes[i]!])), seed: 2, P: 0.75 }
  return { spec, ctx, total: channelGroups(spec).reduce((s, g) => s + g.width, 0) }
}

describe('MACs budget', () => {
  const big = setup('vgg11', 0.25)
  // the spline criterion reselects at every ratio: a small net keeps the brute force short
  const small = setup('cnn', 1)
  const { spec, ctx } = big

  for (const criterion of ['l1', 'random', 'bn-slimming', 'spline'] as const) {
    it(`${criterion}: every global ratio's MACs checked by brute force; the solver picks the closest, within 1 % where possible`, () => {
      const { spec, ctx, total } = criterion === 'spline' ? small : big
      const selector = selectorFor(criterion, 'global', ctx)
      // every count of removed channels the global selection can take
      const all = Array.from({ length: total }, (_, n) => countCosts(prunedSpec(spec, selector.select(n / total))).macs)
      for (const r of [0.3, 0.5, 0.7]) {
        const target = layerwiseMacs(spec, r)
        const best = Math.min(...all.map((m) => Math.abs(m - target)))
        const got = solveForMacs(spec, selector.select, target, 0.01)
        expect(got.macs).toBe(countCosts(prunedSpec(spec, got.selection)).macs)
        expect(Math.abs(got.macs - target)).toBeLessThanOrEqual(Math.max(best, 0.01 * target))
        if (best <= 0.01 * target) {
          expect(got.error).toBeLessThanOrEqual(0.01)
          expect(got.note).toMatch(/^pruned to \d+ MACs for a target of \d+/)
        } else expect(got.note).toMatch(/^no ratio reaches/)
      }
    })
  }

  it('layerwise scope: every criterion lands on the same widths, so the same MACs', () => {
    const macs = (['l1', 'random', 'bn-slimming', 'spline'] as const).map((c) => {
      const s = selectorFor(c, 'layerwise', ctx)
      return countCosts(prunedSpec(spec, s.select(0.5))).macs
    })
    expect(new Set(macs).size).toBe(1)
    expect(macs[0]).toBe(layerwiseMacs(spec, 0.5))
  })
})
