import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { selectByScores, normalizedRanks } from '../../src-main/core/pruning/select'
import { nodeDistances, splineSelect } from '../../src-main/core/pruning/splineCriterion'
import { selectChannels } from '../../src-main/core/pruning/prune'
import { packSigns } from '../../src-main/core/splineCodes'
import { finiteDifference } from '../../src-main/core/pruning/hessian'
import { createRng } from '../../src-main/core/random'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** channel-major code from rows of 0/1 */
const code = (rows: number[][]) => ({ ...packSigns(rows.flat()), channels: rows.length })

describe('selection', () => {
  it('layerwise removes round(ratio·width) lowest per group and keeps at least one', () => {
    const sel = selectByScores({ a: [5, 1, 3, 2], b: [0.1] }, 0.5, 'layerwise')
    expect(sel.a).toEqual([0, 2])
    expect(sel.b).toEqual([0])
  })

  it('global thresholds over all groups but never empties a group', () => {
    const sel = selectByScores({ a: [0.1, 0.2, 0.3], b: [5, 6, 7, 8] }, 0.5, 'global')
    // 3.5 → 4 channels go: a keeps its best one, then b loses its lowest
    expect(sel.a).toEqual([2])
    expect(sel.b).toEqual([2, 3])
  })

  it('normalized ranks share ties', () => {
    expect(normalizedRanks([3, 1, 2])).toEqual([1, 0, 0.5])
    expect(normalizedRanks([1, 1, 2])).toEqual([0.25, 0.25, 1])
  })
})

describe('spline criterion', () => {
  it('node distance treats a complemented code as the same boundary', () => {
    const d = nodeDistances(
      code([
        [1, 1, 0, 0],
        [0, 0, 1, 1],
        [1, 0, 1, 0],
      ]),
    )
    expect(d[0 * 3 + 1]).toBe(0) // complement: h = 1 → N = 0
    expect(d[0 * 3 + 2]).toBe(0.5)
  })

  it('removes redundant copies one at a time so one representative of a group survives', () => {
    const rng = createRng(1)
    const base = Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 1 : 0))
    const other = Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 1 : 0))
    // channels 0,1,2 share one boundary (2 complemented), channel 3 is different
    const rows = [base, base, base.map((b) => 1 - b), other]
    const gamma = Float32Array.from([1, 1, 1, 1])
    const { selection } = splineSelect([{ id: 'g', code: code(rows), gammaAbs: gamma }], 0.5, 'layerwise', 1)
    expect(selection.g).toHaveLength(2)
    expect(selection.g).toContain(3)
    expect(selection.g!.filter((k) => k < 3)).toHaveLength(1)
  })

  it('with P = 0 it is network slimming (|γ| order)', () => {
    const rng = createRng(2)
    const rows = Array.from({ length: 6 }, () => Array.from({ length: 40 }, () => (rng.next() < 0.5 ? 1 : 0)))
    const gamma = Float32Array.from([0.9, 0.1, 0.5, 0.3, 0.7, 0.2])
    const { selection } = splineSelect([{ id: 'g', code: code(rows), gammaAbs: gamma }], 0.5, 'layerwise', 0)
    expect(selection.g).toEqual(selectByScores({ g: gamma }, 0.5, 'layerwise').g)
    expect(selection.g).toEqual([0, 2, 4])
  })

  it('global scope removes round(ratio·total) channels and keeps one per group', () => {
    const rng = createRng(3)
    const groups = [3, 5, 1].map((C, i) => ({
      id: `g${i}`,
      code: code(Array.from({ length: C }, () => Array.from({ length: 32 }, () => (rng.next() < 0.5 ? 1 : 0)))),
      gammaAbs: Float32Array.from({ length: C }, () => rng.next()),
    }))
    const { selection } = splineSelect(groups, 0.5, 'global', 0.5)
    const kept = Object.values(selection).reduce((s, k) => s + k.length, 0)
    expect(kept).toBe(9 - Math.round(0.5 * 9))
    for (const k of Object.values(selection)) expect(k.length).toBeGreaterThanOrEqual(1)
  })
})

describe('static criteria on a network', () => {
  it('l1 / l2 / bn-slimming scores match naive sums over each filter', () => {
    const net = new Network(buildSpec('cnn', [8, 8, 1], 3, { width: 0.25 }), 4)
    const w = net.param('conv1.weight')
    const values = w.dataSync()
    const C = w.shape[3]!
    const l1 = new Array(C).fill(0)
    values.forEach((v, i) => (l1[i % C] += Math.abs(v)))
    const r = selectChannels('l1', 0.5, 'layerwise', { network: net, seed: 0, P: 0.5 })
    r.scores['conv1.bn']!.forEach((s, k) => expect(s).toBeCloseTo(l1[k], 5))
    const l2 = selectChannels('l2', 0.5, 'layerwise', { network: net, seed: 0, P: 0.5 })
    const naive = new Array(C).fill(0)
    values.forEach((v, i) => (naive[i % C] += v * v))
    l2.scores['conv1.bn']!.forEach((s, k) => expect(s).toBeCloseTo(Math.sqrt(naive[k]), 5))
    const bn = selectChannels('bn-slimming', 0.5, 'global', { network: net, seed: 0, P: 0.5 })
    expect(bn.scores['conv1.bn']!.every((s) => s === 0.5)).toBe(true) // γ initialised to 0.5
    net.dispose()
  })

  it('GraSP falls back to finite differences (TF.js cannot double-backprop BN nets), says why, and is stable in ε', () => {
    const rng = createRng(9)
    const batch = { x: Float32Array.from({ length: 64 * 2 }, () => rng.normal()), y: Int32Array.from({ length: 64 }, () => rng.int(3)), count: 64 }
    const net = new Network(buildSpec('mlp', [2], 3, { hidden: [8] }), 5)
    const before = tf.memory().numTensors
    const r = selectChannels('grasp', 0.5, 'layerwise', { network: net, batch, numClasses: 3, seed: 0, P: 0.5 })
    expect(r.notes[0]).toMatch(/central finite differences: double backprop failed \(.+\)/)
    expect(tf.memory().numTensors).toBe(before)
    const ctx = { network: net, batch, numClasses: 3, seed: 0, P: 0.5, groups: [] }
    const weightsBefore = Array.from(net.param('fc1.weight').dataSync())
    const a = finiteDifference(ctx, 1)['fc1.weight']!
    const b = finiteDifference(ctx, 0.5)['fc1.weight']!
    expect(Array.from(net.param('fc1.weight').dataSync())).toEqual(weightsBefore) // θ restored
    // entries on a ReLU kink jump with ε; most must agree
    const sorted = Array.from(a)
      .map(Math.abs)
      .sort((x, y) => x - y)
    const scale = sorted[Math.floor(sorted.length * 0.9)]!
    expect(scale).toBeGreaterThan(0)
    const agree = Array.from(a).filter((v, i) => Math.abs(v - b[i]!) <= 0.05 * scale).length
    expect(agree / a.length).toBeGreaterThanOrEqual(0.8) // measured: 14 of 16
    net.dispose()
  })
})
