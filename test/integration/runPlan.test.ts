/**
 * The worker executes the plan and nothing else: for every run kind (in this process, on cpu) the
 * epochs it reports, where it prunes, what it prunes with, the progress total and the training
 * FLOPs are the plan's.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { METHODS, RunConfigSchema } from '../../src-main/contract/api'
import { countCosts } from '../../src-main/core/flops'
import { buildRunPlan, phaseEpochs, type TrainPhase } from '../../src-main/core/plan'
import { runJob } from '../../src-main/worker/runJob'
import type { FromWorker } from '../../src-main/worker/protocol'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const toy = { dataset: 'builtin:xshape', model: 'mlp', hidden: [10, 10], probeSamples: 100, trainLimit: 200, testLimit: 50, epochs: 4 }

describe('runJob carries out the plan of every run kind', () => {
  for (const method of METHODS) {
    it(method, async () => {
      // a spline ticket at the first chance (ε near 1), so spline-eb prunes before its cap
      const config = RunConfigSchema.parse({ ...toy, method, eb: { window: 1, epsilon: 0.99 }, finetuneEpochs: 1 })
      const seen: FromWorker[] = []
      const before = tf.memory().numTensors
      const outcome = await runJob('plan', config, { post: (m) => seen.push(m), isCancelled: () => false })
      expect(tf.memory().numTensors).toBe(before)
      const plan = buildRunPlan(config, { task: 'classification', trainImages: 200, inputShape: [2], numClasses: 2 })
      const epochs = seen.flatMap((m) => (m.type === 'epoch' ? [m.metrics] : []))
      const pruned = seen.find((m) => m.type === 'pruned')
      const trains = plan.phases.filter((p): p is TrainPhase => p.kind === 'train')
      const dense = epochs.filter((e) => e.phase === 'dense').length
      const atEpoch = plan.phases[0]!.kind === 'prune' ? 0 : dense
      // each train phase ran its epochs (the dense one of spline-eb up to its ticket), numbered on from the last
      expect(epochs.map((e) => e.epoch)).toEqual(epochs.map((_, i) => i + 1))
      expect(epochs.map((e) => e.phase)).toEqual(
        trains.flatMap((t, i) => Array(i === 0 && t.label === 'dense' ? dense : phaseEpochs(t, atEpoch)).fill(t.label)),
      )
      if (method === 'spline-eb') expect(dense).toBe(outcome.ebEpoch)
      else if (trains[0]!.label === 'dense') expect(dense).toBe(phaseEpochs(trains[0]!, 0))
      const step = plan.phases.find((p) => p.kind === 'prune')
      expect(pruned?.type === 'pruned' && pruned.pruning).toEqual(
        step?.kind === 'prune'
          ? expect.objectContaining({ criterion: step.criterion, atEpoch, scope: step.scope, ratio: step.ratio, retrain: step.retrain })
          : false,
      )
      for (const m of seen) if (m.type === 'progress') expect(m.epochs).toBe(plan.plannedEpochs)
      const flops = (spec: Parameters<typeof countCosts>[0], n: number) => 3 * countCosts(spec).flops * 200 * n
      const started = seen.find((m) => m.type === 'started')!
      const after = pruned?.type === 'pruned' ? pruned.arch : null
      expect(outcome.trainFlops).toBe(started.type === 'started' ? flops(started.arch, dense) + (after ? flops(after, epochs.length - dense) : 0) : NaN)
    })
  }
})
