/**
 * The exact Hessian-vector product (reverse over forward, float32 in TF.js) against the float64
 * reference (hand-written backprop, central differences with the ReLU/pool patterns fixed), and
 * the tangent forward pass against Network.forward for every family.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../../../src-main/core/network'
import { buildSpec } from '../../../../src-main/core/models'
import { lossGradients } from '../../../../src-main/core/pruning/gradients'
import { hessianVectorProduct } from '../../../../src-main/core/pruning/hessian'
import { TangentForward } from '../../../../src-main/core/pruning/tangent'
import { createRng } from '../../../../src-main/core/random'
import type { WeightedSamples } from '../../../../src-main/core/pruning/types'
import { refHessianVector, refLossAndGrad, relativeError, toParams } from '../../../helpers/refNet'
import { randomData, trainedNet } from '../../../helpers/trainedNet'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const samplesOf = (d: { x: Float32Array; y: Int32Array }, count: number, perClass = false): WeightedSamples => {
  const y = d.y.subarray(0, count)
  const counts = new Map<number, number>()
  for (const c of y) counts.set(c, (counts.get(c) ?? 0) + 1)
  const weights = perClass ? Float64Array.from(y, (c) => 1 / (counts.size * counts.get(c)!)) : new Float64Array(count).fill(1 / count)
  return { x: d.x.subarray(0, (d.x.length / d.y.length) * count), y, weights, count, note: '' }
}
const ref = (s: WeightedSamples) => ({ x: Float64Array.from(s.x), y: s.y, w: s.weights, count: s.count })

describe('exact Hessian-vector product', () => {
  const cases = [
    { name: 'mlp', model: 'mlp', input: [4], opts: { hidden: [8, 6] } },
    { name: 'cnn', model: 'cnn', input: [8, 8, 1], opts: { width: 0.25 } },
  ]
  for (const c of cases) {
    for (const T of [1, 200]) {
      it(`${c.name}, T = ${T}: g and Hg match the float64 reference (Hg ≤ 1 % relative error)`, () => {
        const { net, data } = trainedNet(c.model, c.input, 3, c.opts, 3)
        const samples = samplesOf(data, 48, T === 200)
        const before = tf.memory().numTensors
        const g = lossGradients(net, samples, T, 3, 16)
        const hg = hessianVectorProduct(net, samples, T, 3, 16, g)
        expect(tf.memory().numTensors).toBe(before)
        const params = toParams(net.snapshot())
        const gRef = refLossAndGrad(net.spec, params, ref(samples), T).grad
        const names = [...net.trainable.keys()]
        expect(relativeError(g, gRef, names)).toBeLessThan(1e-4)
        const hgRef = refHessianVector(net.spec, params, ref(samples), T, g)
        // the reference is itself converged: half the step gives the same product
        expect(relativeError(refHessianVector(net.spec, params, ref(samples), T, g, 5e-6), hgRef, names)).toBeLessThan(1e-5)
        const err = relativeError(hg, hgRef, names)
        expect(err).toBeLessThan(0.01)
        console.log(`Hg relative error, ${c.name} T=${T}: ${err.toExponential(2)}`)
        net.dispose()
      })
    }
  }

  it('is linear in v and symmetric: ⟨u, Hv⟩ = ⟨v, Hu⟩', () => {
    const { net, data } = trainedNet('mlp', [4], 3, { hidden: [7] }, 5)
    const samples = samplesOf(data, 40)
    const rng = createRng(2)
    const rand = () => Object.fromEntries([...net.trainable].map(([k, v]) => [k, Float64Array.from({ length: v.size }, () => rng.normal())]))
    const u = rand()
    const v = rand()
    const hu = hessianVectorProduct(net, samples, 1, 3, 64, u)
    const hv = hessianVectorProduct(net, samples, 1, 3, 64, v)
    const dot = (a: Record<string, Float64Array>, b: Record<string, Float64Array>) =>
      Object.keys(a).reduce((s, k) => s + a[k]!.reduce((t, x, i) => t + x * b[k]![i]!, 0), 0)
    expect(Math.abs(dot(u, hv) - dot(v, hu)) / Math.abs(dot(u, hv))).toBeLessThan(1e-4)
    const both = Object.fromEntries(Object.keys(u).map((k) => [k, u[k]!.map((x, i) => 2 * x + v[k]![i]!)]))
    const hb = hessianVectorProduct(net, samples, 1, 3, 64, both)
    const expected = Object.fromEntries(Object.keys(u).map((k) => [k, hu[k]!.map((x, i) => 2 * x + hv[k]![i]!)]))
    expect(relativeError(hb, expected)).toBeLessThan(1e-4)
    net.dispose()
  })
})

describe('tangent forward pass', () => {
  const families: [string, number[], object][] = [
    ['mlp', [5], { hidden: [6] }],
    ['cnn', [8, 8, 2], { width: 0.25 }],
    ['vgg11', [16, 16, 3], { width: 0.0625 }],
    ['resnet20', [8, 8, 3], { width: 0.25 }],
    ['preresnet20', [8, 8, 3], { width: 0.25 }],
    ['preresnet20', [8, 8, 3], { width: 0.25, pruneInputs: true }],
  ]
  for (const [model, input, opts] of families) {
    it(`${model}${'pruneInputs' in opts ? ' (block inputs selectable)' : ''}: values equal Network.forward; the tangent equals central differences`, () => {
      const net = new Network(buildSpec(model, input, 3, opts), 4)
      const rng = createRng(6)
      // non-trivial running statistics
      for (const id of net.bnIds) {
        const m = net.buffer(`${id}.runningMean`)
        tf.tidy(() => m.assign(tf.tensor(Float32Array.from({ length: m.size }, () => 0.1 * rng.normal()))))
      }
      const data = randomData(input, 3, 6, 8)
      const x = tf.tensor(data.x, [6, ...input])
      const V = new Map(
        [...net.trainable].map(([k, v]) => [
          k,
          tf.tensor(
            Float32Array.from({ length: v.size }, () => rng.normal()),
            v.shape,
          ),
        ]),
      )
      const { logits, tangent } = tf.tidy(() => {
        const masks = new TangentForward(net, null, null)
        masks.run(x)
        const r = new TangentForward(net, V, masks.masks).run(x)
        return { logits: r.logits.arraySync(), tangent: r.tangent!.arraySync() }
      })
      const plain = tf.tidy(() => net.forward(x, false).logits.arraySync())
      logits.flat().forEach((v, i) => expect(v).toBeCloseTo(plain.flat()[i]!, 4))
      // directional derivative of the logits by central differences in float32
      const theta = net.snapshot()
      const eps = 1e-3
      const at = (sign: number) => {
        for (const [k, v] of net.trainable) tf.tidy(() => v.assign(tf.add(tf.tensor(theta[k]!.values, v.shape), tf.mul(V.get(k)!, sign * eps))))
        return tf.tidy(() => net.forward(x, false).logits.arraySync().flat())
      }
      const plus = at(1)
      const minus = at(-1)
      net.load(theta)
      const fd = plus.map((p, i) => (p - minus[i]!) / (2 * eps))
      expect(relativeError({ t: tangent.flat() }, { t: fd })).toBeLessThan(0.02)
      tf.dispose([x, ...V.values()])
      net.dispose()
    })
  }
})
