/**
 * Channel surgery: when the removed channels contribute nothing (their BN γ and β zeroed), the
 * pruned network computes the same outputs as the original; and the pruned spec's params and
 * FLOPs are those of a fresh network built from it.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { countCosts } from '../../src-main/core/flops'
import { channelGroups } from '../../src-main/core/spec'
import { pruneNetwork, prunedSpec } from '../../src-main/core/pruning/surgery'
import { createRng } from '../../src-main/core/random'
import type { Selection } from '../../src-main/core/pruning/types'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const CASES: [string, number[], { width?: number; hidden?: number[]; pruneInputs?: boolean }][] = [
  ['mlp', [2], { hidden: [12, 9] }],
  ['mlp', [6, 6, 1], { hidden: [10] }],
  ['cnn', [12, 12, 1], { width: 0.5 }],
  ['vgg11', [32, 32, 3], { width: 0.0625 }],
  ['resnet20', [16, 16, 3], { width: 0.25 }],
  ['preresnet20', [16, 16, 3], { width: 0.25 }],
  // block-input channels and the final BN's as groups too (the EB code's channel_selection)
  ['preresnet20', [16, 16, 3], { width: 0.25, pruneInputs: true }],
]

function randomSelection(net: Network, seed: number): Selection {
  const rng = createRng(seed)
  const sel: Selection = {}
  for (const g of channelGroups(net.spec)) {
    const keep = Array.from({ length: g.width }, (_, i) => i).filter(() => rng.next() < 0.55)
    sel[g.id] = keep.length ? keep : [rng.int(g.width)]
  }
  return sel
}

/** Makes the removed channels contribute nothing: BN output exactly 0, so ReLU and consumers see 0. */
function zeroRemoved(net: Network, sel: Selection): void {
  for (const g of channelGroups(net.spec)) {
    const keep = new Set(sel[g.id])
    for (const p of ['gamma', 'beta']) {
      const v = net.param(`${g.id}.${p}`)
      const values = Float32Array.from(v.dataSync() as Float32Array).map((x, i) => (keep.has(i) ? x : 0))
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)))
    }
  }
}

/** Random BN running statistics, so inference mode is not the identity normalisation. */
function randomizeStats(net: Network, seed: number): void {
  const rng = createRng(seed)
  for (const [name, v] of net.buffers) {
    const values = Float32Array.from({ length: v.size }, () => (name.endsWith('Var') ? 0.5 + rng.next() : rng.normal() * 0.3))
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)))
  }
}

describe.each(CASES)('surgery on %s %j', (model, input, options) => {
  it('pruned outputs equal the original when removed channels contribute nothing', () => {
    const before = tf.memory().numTensors
    const net = new Network(buildSpec(model, input, 5, options), 11)
    randomizeStats(net, 3)
    const sel = randomSelection(net, 7)
    zeroRemoved(net, sel)
    const pruned = pruneNetwork(net, sel, 99)
    const rng = createRng(5)
    const n = 3
    const x = Float32Array.from({ length: n * input.reduce((a, b) => a * b, 1) }, () => rng.normal())
    const [a, b] = tf.tidy(() => {
      const xs = tf.tensor(x, [n, ...input])
      return [net.forward(xs, false).logits.dataSync(), pruned.forward(xs, false).logits.dataSync()]
    })
    const scale = Math.max(...Array.from(a!).map(Math.abs), 1e-3)
    Array.from(a!).forEach((v, i) => expect(Math.abs(v - b![i]!) / scale).toBeLessThan(1e-5))
    // it really is smaller
    expect(pruned.paramCount()).toBeLessThan(net.paramCount())
    net.dispose()
    pruned.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('the pruned spec counts the params of a fresh network built from it, and keeps residual widths', () => {
    const net = new Network(buildSpec(model, input, 5, options), 1)
    const sel = randomSelection(net, 2)
    const spec = prunedSpec(net.spec, sel)
    const fresh = new Network(spec, 3)
    expect(countCosts(spec).params).toBe(fresh.paramCount())
    expect(countCosts(net.spec).params).toBe(net.paramCount())
    for (const g of channelGroups(spec)) expect(g.width).toBe(sel[g.id]!.length)
    const outs = (s: typeof spec) => s.layers.filter((l) => l.kind === 'basic' || l.kind === 'bottleneck').map((l) => (l as { out: number }).out)
    expect(outs(spec)).toEqual(outs(net.spec))
    const costs = countCosts(spec)
    expect(costs.flops).toBeLessThan(countCosts(net.spec).flops)
    net.dispose()
    fresh.dispose()
  })
})

describe('surgery input checks', () => {
  it('refuses to drop every channel of a group, or unsorted indices', () => {
    const net = new Network(buildSpec('mlp', [2], 2, { hidden: [4] }), 0)
    expect(() => prunedSpec(net.spec, { 'fc1.bn': [] })).toThrow(/at least one channel/)
    expect(() => prunedSpec(net.spec, { 'fc1.bn': [2, 1] })).toThrow(/ascending/)
    expect(() => prunedSpec(net.spec, { 'fc1.bn': [0, 4] })).toThrow(/\[0, 4\)/)
    net.dispose()
  })
})

describe('block-input selection (PreResNet channel_selection)', () => {
  it('selects stream channels by index, composes over two prunings, and keeps the stream width', () => {
    const net = new Network(buildSpec('preresnet20', [8, 8, 3], 4, { width: 0.25, pruneInputs: true }), 5)
    randomizeStats(net, 1)
    const ids = channelGroups(net.spec).map((g) => g.id)
    expect(ids).toContain('layer1.0.bn1')
    expect(ids).toContain('final.bn')
    expect(channelGroups(net.spec).find((g) => g.id === 'layer2.0.bn1')).toMatchObject({ field: 'in', width: 16 })
    const first: Selection = { 'layer2.0.bn1': [1, 4, 5, 9, 12, 15], 'final.bn': [0, 3, 8, 31] }
    zeroRemoved(net, first)
    const once = pruneNetwork(net, first, 2)
    expect(once.spec.layers.find((l) => l.name === 'layer2.0')).toMatchObject({ select: [1, 4, 5, 9, 12, 15], out: 32 })
    const x = tf.tensor(
      Float32Array.from({ length: 2 * 64 * 3 }, (_, i) => Math.sin(i)),
      [2, 8, 8, 3],
    )
    const same = (p: Network, q: Network) => {
      const [a, b] = tf.tidy(() => [p.forward(x, false).logits.dataSync(), q.forward(x, false).logits.dataSync()])
      Array.from(a!).forEach((v, i) => expect(v).toBeCloseTo(b![i]!, 5))
    }
    same(net, once)
    // indices of the second pruning are into the first's kept channels
    const second: Selection = { 'layer2.0.bn1': [0, 2, 5] }
    zeroRemoved(once, second)
    const twice = pruneNetwork(once, second, 3)
    expect(twice.spec.layers.find((l) => l.name === 'layer2.0')).toMatchObject({ select: [1, 5, 15] })
    same(once, twice)
    expect(countCosts(twice.spec).params).toBe(twice.paramCount())
    tf.dispose(x)
    for (const n of [net, once, twice]) n.dispose()
  })
})
