/** l1, l2 and bn-slimming against naive sums over each filter. */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../../../../src-main/core/network'
import { buildSpec } from '../../../../../src-main/core/models'
import { selectChannels } from '../../../../../src-main/core/pruning/prune'
import { naiveGlobal } from '../../../../helpers/naiveSelect'

beforeAll(async () => {
  await tf.setBackend('cpu')
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
})

describe('global magnitude ranking with the reference floor', () => {
  it('l1 / l2 keep ⌊0.05·C⌋+1 of each layer (its highest-scoring), as flowandprune; slimming and random keep one', () => {
    // fc1 (60 wide) scaled down so a plain global ranking would empty it: the floor keeps 4
    const net = new Network(buildSpec('mlp', [3], 3, { hidden: [60, 24] }), 2)
    const w = net.param('fc1.weight')
    tf.tidy(() => w.assign(tf.mul(w, 0.001)))
    for (const id of ['l1', 'l2'] as const) {
      const r = selectChannels(id, 0.7, 'global', { network: net, seed: 0, P: 0.5 })
      expect(r.selection).toEqual(naiveGlobal(r.scores, 0.7))
      expect(r.selection['fc1.bn']!.length).toBe(4) // ⌊0.05·60⌋ + 1
      const best = r.scores['fc1.bn']!.map((s, k) => ({ s, k }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 4)
        .map((e) => e.k)
        .sort((a, b) => a - b)
      expect(r.selection['fc1.bn']).toEqual(best)
      // layerwise: the floor bounds what one layer can lose
      const lw = selectChannels(id, 0.95, 'layerwise', { network: net, seed: 0, P: 0.5 })
      expect(lw.selection['fc1.bn']!.length).toBe(4)
      expect(lw.selection['fc2.bn']!.length).toBe(Math.max(Math.floor(0.05 * 24) + 1, 24 - Math.round(0.95 * 24)))
    }
    const g = net.param('fc1.bn.gamma')
    tf.tidy(() => g.assign(tf.mul(tf.onesLike(g), 0.01)))
    const bn = selectChannels('bn-slimming', 0.7, 'global', { network: net, seed: 0, P: 0.5 })
    expect(bn.selection).toEqual(naiveGlobal(bn.scores, 0.7, () => 1))
    expect(bn.selection['fc1.bn']!.length).toBe(1)
    net.dispose()
  })
})
