/**
 * GraSP and loss preservation on a fixed checkpoint against naive implementations of their
 * reference code (flowandprune `cal_hg` / `cal_grad`): the samples drawn as `grasp_data` draws
 * them, class by class; g_base the mean of the per-class gradients; Hg the mean over classes of
 * the per-class products; everything in float64 (test/helpers/refNet.ts).
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectChannels } from '../../../../../src-main/core/pruning/prune'
import { createRng, permutation } from '../../../../../src-main/core/random'
import { channelGroups } from '../../../../../src-main/core/spec'
import { refHessianVector, refLossAndGrad, toParams, type Params } from '../../../../helpers/refNet'
import { randomData, trainedNet } from '../../../../helpers/trainedNet'
import { naiveGlobal } from '../../../../helpers/naiveSelect'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** The shuffle the criteria draw from (samples.ts: the run's seed ^ 0x5a3c). */
const shuffle = (n: number, seed: number) => Array.from(permutation(n, createRng(seed ^ 0x5a3c)))

/** Σ over each producing filter (output channel on the last axis) of f(θ, i). */
function perFilter(params: Params, weight: string, f: (theta: number, i: number) => number): number[] {
  const p = params[weight]!
  const C = p.shape.at(-1)!
  const out = new Array<number>(C).fill(0)
  p.values.forEach((t, i) => (out[i % C]! += f(t, i)))
  return out
}

const subset = (x: Float32Array, y: Int32Array, f: number, idx: number[]) => ({
  x: Float64Array.from(idx.flatMap((i) => Array.from(x.subarray(i * f, (i + 1) * f)))),
  y: Int32Array.from(idx.map((i) => y[i]!)),
})

describe('GraSP as flowandprune computes it', () => {
  it('class-balanced samples, T = 200, BN in inference mode, exact Hg: scores and selection equal the naive float64 reference', () => {
    const classes = 3
    const { net } = trainedNet('mlp', [4], classes, { hidden: [10, 8] }, 7)
    const train = randomData([4], classes, 2700, 11)
    const seed = 5
    const before = tf.memory().numTensors
    const r = selectChannels('grasp', 0.4, 'global', {
      network: net,
      training: { x: train.x, y: train.y, featureSize: 4 },
      numClasses: classes,
      seed,
      P: 0.5,
    })
    expect(tf.memory().numTensors).toBe(before)
    expect(r.notes[0]).toMatch(/exact Hessian-gradient product.*T = 200.*BN in inference mode.*853 samples per class/)

    // grasp_data: walk the shuffled set, keep the first n/C of each class
    const per = Math.floor(2560 / classes)
    const byClass: number[][] = Array.from({ length: classes }, () => [])
    for (const i of shuffle(train.count, seed)) if (byClass[train.y[i]!]!.length < per) byClass[train.y[i]!]!.push(i)
    const params = toParams(net.snapshot())
    const classData = byClass.map((idx) => {
      const s = subset(train.x, train.y, 4, idx)
      return { ...s, w: new Float64Array(idx.length).fill(1 / idx.length), count: idx.length }
    })
    const names = [...net.trainable.keys()]
    // g_base = (1/C) Σ_c ∇L_c ; Hg = (1/C) Σ_c ∇⟨g_base, ∇L_c⟩
    const gc = classData.map((d) => refLossAndGrad(net.spec, params, d, 200).grad)
    const gBase = Object.fromEntries(names.map((k) => [k, gc[0]![k]!.map((_, i) => gc.reduce((s, g) => s + g[k]![i]!, 0) / classes)]))
    const hc = classData.map((d) => refHessianVector(net.spec, params, d, 200, gBase))
    const hg = Object.fromEntries(names.map((k) => [k, hc[0]![k]!.map((_, i) => hc.reduce((s, h) => s + h[k]![i]!, 0) / classes)]))
    for (const g of channelGroups(net.spec)) {
      const w = `${g.layer}.weight`
      const expected = perFilter(params, w, (t, i) => t * hg[w]![i]!)
      const scale = Math.max(...expected.map(Math.abs))
      r.scores[g.id]!.forEach((s, k) => expect(Math.abs(s - expected[k]!)).toBeLessThan(1e-3 * scale))
    }
    // the selection: flowandprune's global ranking (lowest first) with the 5 % floor (here 1 channel)
    expect(r.selection).toEqual(naiveGlobal(r.scores, 0.4))
    net.dispose()
  })
})

describe('loss preservation as flowandprune computes it', () => {
  it('2,560 shuffled samples in batches of 128, T = 5, BN in inference mode: Σ|θ·g| equals the naive float64 reference', () => {
    const { net } = trainedNet('cnn', [6, 6, 1], 3, { width: 0.25 }, 2)
    const train = randomData([6, 6, 1], 3, 2700, 4)
    const r = selectChannels('loss-preservation', 0.5, 'layerwise', {
      network: net,
      training: { x: train.x, y: train.y, featureSize: 36 },
      numClasses: 3,
      seed: 9,
      P: 0.5,
    })
    expect(r.notes[0]).toMatch(/T = 5, BN in inference mode, 2560 training samples/)
    const idx = shuffle(train.count, 9).slice(0, 2560)
    const params = toParams(net.snapshot())
    // cal_grad: the sample-weighted mean of the batch-mean gradients over 20 batches of 128
    const g: Record<string, Float64Array> = {}
    for (let b = 0; b < 20; b++) {
      const s = subset(train.x, train.y, 36, idx.slice(b * 128, (b + 1) * 128))
      const gb = refLossAndGrad(net.spec, params, { ...s, w: new Float64Array(128).fill(1 / 128), count: 128 }, 5).grad
      for (const [k, v] of Object.entries(gb)) {
        const acc = (g[k] ??= new Float64Array(v.length))
        v.forEach((x, i) => (acc[i]! += (x * 128) / 2560))
      }
    }
    for (const group of channelGroups(net.spec)) {
      const w = `${group.layer}.weight`
      const expected = perFilter(params, w, (t, i) => Math.abs(t * g[w]![i]!))
      r.scores[group.id]!.forEach((s, k) => expect(s).toBeCloseTo(expected[k]!, 6))
    }
    net.dispose()
  })
})
