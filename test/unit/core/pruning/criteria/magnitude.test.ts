/** l1, l2 and bn-slimming against naive sums over each filter. */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../../../../src-main/core/network'
import { buildSpec } from '../../../../../src-main/core/models'
import { selectChannels } from '../../../../../src-main/core/pruning/prune'

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
