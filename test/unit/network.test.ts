import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network, conv2dPadded } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { SgdMomentum, multiStepLr } from '../../src-main/core/sgd'
import { planCodes, recordCodes } from '../../src-main/core/splineRecorder'
import { packSigns } from '../../src-main/core/splineCodes'

beforeAll(async () => {
  await tf.setBackend('cpu')
  expect(tf.getBackend()).toBe('cpu')
})

const read = (v: tf.Tensor) => Array.from(v.dataSync())

/** Independent forward pass on plain arrays: x·W → BN(running stats) → ReLU …, classifier. */
function naiveForward(net: Network, x: number[][]): { logits: number[][]; preacts: number[][][] } {
  let h = x
  const preacts: number[][][] = []
  for (const layer of net.spec.layers) {
    if (layer.kind !== 'dense') throw new Error('naive forward covers dense layers only')
    const w = net.param(`${layer.name}.weight`)
    const [fin, fout] = w.shape as [number, number]
    const W = read(w)
    const g = read(net.param(`${layer.name}.bn.gamma`))
    const b = read(net.param(`${layer.name}.bn.beta`))
    const m = read(net.buffer(`${layer.name}.bn.runningMean`))
    const v = read(net.buffer(`${layer.name}.bn.runningVar`))
    const z = h.map((row) =>
      Array.from({ length: fout }, (_, j) => {
        let s = 0
        for (let i = 0; i < fin; i++) s += row[i]! * W[i * fout + j]!
        return ((s - m[j]!) / Math.sqrt(v[j]! + 1e-5)) * g[j]! + b[j]!
      }),
    )
    preacts.push(z)
    h = z.map((row) => row.map((u) => Math.max(0, u)))
  }
  const W = read(net.param('classifier.weight'))
  const bias = read(net.param('classifier.bias'))
  const k = net.spec.classes
  const logits = h.map((row) => Array.from({ length: k }, (_, j) => row.reduce((s, u, i) => s + u * W[i * k + j]!, bias[j]!)))
  return { logits, preacts }
}

describe('Network (mlp with BN before ReLU)', () => {
  it('matches a naive forward pass in inference mode, and leaks no tensors', () => {
    const before = tf.memory().numTensors
    const net = new Network(buildSpec('mlp', [3], 2, { hidden: [5, 4] }), 7)
    const x = [
      [0.1, -2, 3],
      [1, 1, -1],
      [-0.5, 0.25, 2],
    ]
    const { logits, preacts } = tf.tidy(() => {
      const r = net.forward(tf.tensor2d(x), false)
      return { logits: r.logits.arraySync(), preacts: r.codes.map((c) => c.value.arraySync() as number[][]) }
    })
    const naive = naiveForward(net, x)
    logits.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(naive.logits[i]![j]!, 5)))
    preacts.forEach((layer, l) => layer.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(naive.preacts[l]![i]![j]!, 5))))
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('folds batch statistics into running ones like PyTorch (momentum 0.1, unbiased variance)', () => {
    const net = new Network(buildSpec('mlp', [2], 2, { hidden: [3] }), 1)
    const x = [
      [1, 2],
      [3, -1],
      [0, 0.5],
      [-2, 1],
    ]
    const W = read(net.param('fc1.weight'))
    const z = x.map((r) => [0, 1, 2].map((j) => r[0]! * W[j]! + r[1]! * W[3 + j]!))
    tf.tidy(() => {
      net.forward(tf.tensor2d(x), true)
    })
    net.commitBatchStats()
    const rm = read(net.buffer('fc1.bn.runningMean'))
    const rv = read(net.buffer('fc1.bn.runningVar'))
    for (let j = 0; j < 3; j++) {
      const col = z.map((r) => r[j]!)
      const mean = col.reduce((a, b) => a + b, 0) / 4
      const unbiased = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3
      expect(rm[j]).toBeCloseTo(0.1 * mean, 5)
      expect(rv[j]).toBeCloseTo(0.9 + 0.1 * unbiased, 5)
    }
    net.dispose()
  })

  it('records spline codes equal to the signs of the naive pre-activations', () => {
    const net = new Network(buildSpec('mlp', [2], 2, { hidden: [6, 3] }), 3)
    const probe = new Float32Array([0.3, -1, 2, 2, -3, 0.5, 0, 0, 1, -1])
    const p = { x: probe, count: 5 }
    const codes = recordCodes(net, p, planCodes(net, p, 1 << 20, 0), 2)
    const rowsOfX = Array.from({ length: 5 }, (_, i) => [probe[2 * i]!, probe[2 * i + 1]!])
    const naive = naiveForward(net, rowsOfX)
    codes.forEach((code, l) => {
      // channel-major: all probes of channel 0, then channel 1, …
      const z = naive.preacts[l]!
      const expected = packSigns(z[0]!.map((_, c) => z.map((row) => row[c]!)).flat())
      expect(code.bits).toBe(expected.bits)
      expect(Array.from(code.words)).toEqual(Array.from(expected.words))
    })
    net.dispose()
  })
})

describe('codes are the inputs of the ReLUs', () => {
  it('in a post-activation basic block the bn2 code is BN2 + shortcut, the input of the block’s ReLU, not BN2 alone', () => {
    const net = new Network(buildSpec('resnet20', [8, 8, 3], 3, { width: 0.25 }), 2)
    for (const id of net.bnIds) {
      const b = net.param(`${id}.beta`)
      tf.tidy(() => b.assign(tf.mul(tf.onesLike(b), -0.1)))
    }
    const x = tf.tensor(
      Float32Array.from({ length: 2 * 64 * 3 }, (_, i) => Math.cos(i * 0.7)),
      [2, 8, 8, 3],
    )
    tf.tidy(() => {
      const codes = new Map(net.forward(x, false).codes.map((c) => [c.id, c.value]))
      // layer1.1 has an identity shortcut: its input is the output of layer1.0, relu(layer1.0's code)
      const input = tf.relu(codes.get('layer1.0.bn2')!)
      const h = tf.relu(codes.get('layer1.1.bn1')!)
      const bn2 = net.bn.apply('layer1.1.bn2', conv2dPadded(h, net.param('layer1.1.conv2.weight'), 1, 1), false)
      const expected = read(tf.add(bn2, input))
      read(codes.get('layer1.1.bn2')!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5))
      // and it is not BN2's output: the shortcut flips some of the signs
      const flips = read(bn2).filter((v, i) => v > 0 !== expected[i]! > 0).length
      expect(flips).toBeGreaterThan(0)
    })
    tf.dispose(x)
    net.dispose()
  })
})

describe('SgdMomentum', () => {
  it('follows PyTorch SGD (coupled weight decay, momentum buffer starts at the first gradient)', () => {
    const before = tf.memory().numTensors
    const theta = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])))
    const params = new Map([['w', theta]])
    const opt = new SgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 })
    const grads = [
      [0.5, 0.25],
      [-1, 2],
      [0.1, 0.1],
    ]
    let th = [1, -2]
    let v: number[] | null = null
    for (const g of grads) {
      tf.tidy(() => opt.step(params, { w: tf.tensor1d(g) }))
      const gg = g.map((gi, i) => gi + 0.01 * th[i]!)
      v = v ? v.map((vi, i) => 0.9 * vi + gg[i]!) : gg
      th = th.map((t, i) => t - 0.1 * v![i]!)
      read(theta).forEach((x, i) => expect(x).toBeCloseTo(th[i]!, 6))
    }
    opt.dispose()
    theta.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('multi-step schedule divides by 10 at each milestone', () => {
    expect(multiStepLr(0.1, 0, 160, [0.5, 0.75])).toBeCloseTo(0.1)
    expect(multiStepLr(0.1, 79, 160, [0.5, 0.75])).toBeCloseTo(0.1)
    expect(multiStepLr(0.1, 80, 160, [0.5, 0.75])).toBeCloseTo(0.01)
    expect(multiStepLr(0.1, 120, 160, [0.5, 0.75])).toBeCloseTo(0.001)
  })
})
