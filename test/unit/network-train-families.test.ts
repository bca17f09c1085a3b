import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildSpec } from '../../src-main/core/models'
import { Network, subsample } from '../../src-main/core/network'
import { SgdMomentum } from '../../src-main/core/sgd'
import { localStep } from '../../src-main/core/step'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const seeded = (n: number, seed: number): Float32Array => {
  let s = seed >>> 0
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1)
}

describe('option-A subsampling', () => {
  for (const [h, w] of [
    [8, 8],
    [7, 5],
    [1, 3],
  ]) {
    it(`picks x[:, ::2, ::2, :] of a ${h}×${w} map and routes the gradient to exactly those`, () => {
      const shape: [number, number, number, number] = [2, h, w, 3]
      const x = tf.tensor4d(seeded(2 * h * w * 3, h * 10 + w), shape)
      const got = subsample(x, 2)
      // Independent reference: index arithmetic on the plain values.
      const xv = x.dataSync()
      const oh = Math.ceil(h / 2)
      const ow = Math.ceil(w / 2)
      const want: number[] = []
      for (let n = 0; n < 2; n++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let c = 0; c < 3; c++) {
              want.push(xv[((n * h + 2 * i) * w + 2 * j) * 3 + c]!)
            }
      expect(got.shape).toEqual([2, oh, ow, 3])
      expect(Array.from(got.dataSync())).toEqual(want)
      const g = tf
        .grad((t: tf.Tensor) => tf.sum(subsample(t as tf.Tensor4D, 2)))(x)
        .dataSync()
      g.forEach((v, k) => {
        const c = k % 3
        const j = Math.floor(k / 3) % w
        const i = Math.floor(k / (3 * w)) % h
        expect(v, `element ${k} (c ${c})`).toBe(i % 2 === 0 && j % 2 === 0 ? 1 : 0)
      })
      tf.dispose([x, got])
    })
  }
})

describe('every model family trains (a gradient reaches every parameter)', () => {
  const families: [string, number[], number][] = [
    ['mlp', [6], 0],
    ['cnn', [8, 8, 1], 0.25],
    ['vgg11', [16, 16, 3], 0.0625],
    ['resnet20', [8, 8, 3], 0.25],
    ['preresnet20', [8, 8, 3], 0.25],
  ]
  for (const [model, input, width] of families) {
    it(`${model}: two SGD steps lower the loss on a fixed batch, change every weight, leak nothing`, () => {
      const before = tf.memory().numTensors
      const net = new Network(buildSpec(model, input, 3, width ? { width } : {}), 5)
      const sgd = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 0 })
      const feat = input.reduce((a, b) => a * b, 1)
      const x = seeded(12 * feat, 9)
      const y = Int32Array.from({ length: 12 }, (_, i) => i % 3)
      const start = new Map([...net.trainable].map(([k, v]) => [k, Float32Array.from(v.dataSync())]))
      const step = localStep(net, sgd, feat, 3)
      const losses = [0, 1, 2, 3].map(() => step.run(x, y, 12) as { loss: number }).map((r) => r.loss)
      expect(losses.every(Number.isFinite)).toBe(true)
      expect(losses[3]!).toBeLessThan(losses[0]!)
      const unchanged = [...net.trainable].filter(([k, v]) => v.dataSync().every((val, i) => val === start.get(k)![i]))
      expect(unchanged.map(([k]) => k)).toEqual([])
      sgd.dispose()
      net.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})
