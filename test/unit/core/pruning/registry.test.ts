/**
 * The criteria registry: contract/criteria.ts's descriptors and core/pruning/criteria/<id>.ts's
 * implementations name the same criteria, one file each, and each descriptor tells the truth
 * about what its criterion needs (a context without it is refused, one with only it works).
 */
import * as tf from '@tensorflow/tfjs'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CRITERIA, CRITERION_INFO, criteriaHelp, criteriaTable, type CriterionNeed } from '../../../../src-main/contract/criteria'
import { RunConfigSchema } from '../../../../src-main/contract/api'
import { CRITERION_IMPLS } from '../../../../src-main/core/pruning/registry'
import { selectChannels } from '../../../../src-main/core/pruning/prune'
import { Network } from '../../../../src-main/core/network'
import { buildSpec } from '../../../../src-main/core/models'
import { planCodes, recordCodes } from '../../../../src-main/core/splineRecorder'
import { createRng } from '../../../../src-main/core/random'
import { REPO } from '../../../helpers/tmp'
import { randomData } from '../../../helpers/trainedNet'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('criteria registry', () => {
  it('every descriptor has exactly one implementation file and every file a descriptor', () => {
    const files = readdirSync(join(REPO, 'src-main/core/pruning/criteria'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort()
    expect(files).toEqual([...CRITERIA].sort())
    expect([...CRITERION_IMPLS.keys()].sort()).toEqual([...CRITERIA].sort())
    for (const [id, impl] of CRITERION_IMPLS) expect(impl.id).toBe(id)
  })

  it('the run config, the CLI help and the docs take the list from the descriptors', () => {
    for (const c of CRITERIA) expect(RunConfigSchema.safeParse({ dataset: 'builtin:xshape', model: 'mlp', criterion: c }).success).toBe(true)
    expect(RunConfigSchema.safeParse({ dataset: 'builtin:xshape', model: 'mlp', criterion: 'nope' }).success).toBe(false)
    const help = criteriaHelp()
    for (const c of CRITERIA) expect(help).toContain(`${CRITERION_INFO[c].label}: ${CRITERION_INFO[c].description}`)
    // UPDATE_DOCS=1 rewrites the generated table from the descriptors
    const file = join(REPO, 'docs/science.md')
    const marked = /(<!-- criteria:start[^\n]*-->\n)([\s\S]*?)(\n<!-- criteria:end -->)/
    if (process.env.UPDATE_DOCS)
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(marked, (_m, a, _t, b) => a + criteriaTable() + b),
      )
    expect(readFileSync(file, 'utf8').match(marked)?.[2]).toBe(criteriaTable())
  })

  describe('each descriptor names what its criterion needs', () => {
    const rng = createRng(4)
    // enough labelled samples that GraSP's scores show both signs
    const train = randomData([2], 3, 500, 3)
    const probe = { x: Float32Array.from({ length: 40 * 2 }, () => rng.normal()), count: 40 }
    const context = (net: Network, give: Set<CriterionNeed>) => {
      const plans = planCodes(net, probe, 4096, 1)
      const codes = recordCodes(net, probe, plans)
      return {
        network: net,
        seed: 3,
        P: 0.5,
        numClasses: 3,
        ...(give.has('spline-codes') ? { codes: new Map(plans.map((p, i) => [p.id, codes[i]!])) } : {}),
        ...(give.has('training-data') ? { training: { x: train.x, y: train.y, featureSize: 2 } } : {}),
      }
    }
    for (const id of CRITERIA) {
      it(id, () => {
        const net = new Network(buildSpec('mlp', [2], 3, { hidden: [6, 5] }), 2)
        const needs = new Set<CriterionNeed>(CRITERION_INFO[id].needs)
        const before = tf.memory().numTensors
        const r = selectChannels(id, 0.5, 'layerwise', context(net, needs))
        expect(Object.values(r.selection).map((k) => k.length)).toEqual([3, 2]) // 6 − round(3), 5 − round(2.5)
        for (const need of needs) {
          // every prunable group has a BN and (in an mlp) a producing weight: nothing to withhold
          if (need === 'bn-gamma' || need === 'producer-weight') continue
          const without = new Set(needs)
          without.delete(need)
          expect(() => selectChannels(id, 0.5, 'layerwise', context(net, without))).toThrow()
        }
        if (CRITERION_INFO[id].signed)
          expect(
            Object.values(r.scores)
              .flat()
              .some((s) => s < 0),
          ).toBe(true)
        else
          expect(
            Object.values(r.scores)
              .flat()
              .every((s) => s >= 0),
          ).toBe(true)
        expect(tf.memory().numTensors).toBe(before)
        net.dispose()
      })
    }
  })
})
