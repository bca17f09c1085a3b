import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../../../../src-main/core/network'
import { buildSpec } from '../../../../../src-main/core/models'
import { selectChannels } from '../../../../../src-main/core/pruning/prune'
import { finiteDifference } from '../../../../../src-main/core/pruning/hessian'
import { createRng } from '../../../../../src-main/core/random'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('static criteria on a network', () => {
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
