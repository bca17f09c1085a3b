/**
 * Pad-4 crop + flip against torchvision's definition written out (pad with the fill, crop an
 * H×W window at a random offset, mirror), and training with it: the same batches on every run and
 * after a resume.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { cropFlip } from '../../src-main/core/augment'
import { TrainingEngine } from '../../src-main/core/engine'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import type { Rng } from '../../src-main/core/random'
import { SgdMomentum } from '../../src-main/core/sgd'
import { randomData } from '../helpers/trainedNet'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** A generator replaying fixed draws: int(n) takes the next integer, next() the next uniform. */
const replay = (ints: number[], uniforms: number[]): Rng => ({
  int: () => ints.shift()!,
  next: () => uniforms.shift()!,
  normal: () => 0,
})

/** torchvision: Pad(4, fill) → RandomCrop(H×W) at (i, j) ∈ [0, 8]² → HorizontalFlip. */
function naive(img: Float32Array, [h, w, c]: number[], fill: number[], i: number, j: number, flip: boolean): Float32Array {
  const P = 4
  const padded = (y: number, x: number, k: number) => (y < P || y >= h + P || x < P || x >= w + P ? fill[k]! : img[((y - P) * w + (x - P)) * c + k]!)
  const out = new Float32Array(h * w * c)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + (flip ? w - 1 - x : x)) * c + k] = padded(y + i, x + j, k)
  return out
}

describe('crop + flip', () => {
  it('equals padding, cropping and mirroring each image', () => {
    const shape: [number, number, number] = [6, 7, 3]
    const fill = [-1, -2, -3]
    const x = Float32Array.from({ length: 3 * 126 }, (_, i) => i)
    const offsets = [
      [0, 8, true],
      [4, 4, false],
      [7, 1, true],
    ] as const
    const rng = replay(
      offsets.flatMap(([i, j]) => [i, j]),
      offsets.map(([, , f]) => (f ? 0.2 : 0.7)),
    )
    const batch = Float32Array.from(x)
    cropFlip(batch, 3, { shape, fill, pad: 4 }, rng)
    offsets.forEach(([i, j, f], n) => {
      expect(Array.from(batch.subarray(n * 126, (n + 1) * 126))).toEqual(Array.from(naive(x.subarray(n * 126, (n + 1) * 126), shape, fill, i, j, f)))
    })
  })

  it('training is bit-identical on a rerun and after resuming at an epoch boundary', async () => {
    const d = randomData([8, 8, 3], 3, 96, 5)
    const data = { xTrain: d.x, yTrain: d.y, xTest: d.x.slice(0, 192 * 8), yTest: d.y.slice(0, 8), featureSize: 192, numClasses: 3 }
    const augment = { shape: [8, 8, 3] as [number, number, number], fill: [0, 0, 0], pad: 4 }
    const train = async (epochs: number, startEpoch = 0, from?: { net: Network; opt: SgdMomentum }) => {
      const net = from?.net ?? new Network(buildSpec('cnn', [8, 8, 3], 3, { width: 0.25 }), 1)
      const opt = from?.opt ?? new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 })
      await new TrainingEngine({ network: net, optimizer: opt, data, epochs, batchSize: 32, seed: 7, lrAt: () => 0.05, startEpoch, augment }).run([])
      return { net, opt }
    }
    const a = await train(3)
    const b = await train(3)
    const resumed = await train(3, 2, await train(2))
    const w = (n: Network) => Array.from(n.param('conv1.weight').dataSync())
    expect(w(b.net)).toEqual(w(a.net))
    expect(w(resumed.net)).toEqual(w(a.net))
    // and augmentation changes what is learned
    const plain = await train(3)
    const noAug = await (async () => {
      const net = new Network(buildSpec('cnn', [8, 8, 3], 3, { width: 0.25 }), 1)
      const opt = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 })
      await new TrainingEngine({ network: net, optimizer: opt, data, epochs: 3, batchSize: 32, seed: 7, lrAt: () => 0.05 }).run([])
      return net
    })()
    expect(w(noAug)).not.toEqual(w(plain.net))
    for (const r of [a, b, resumed, plain]) {
      r.net.dispose()
      r.opt.dispose()
    }
    noAug.dispose()
  })
})
