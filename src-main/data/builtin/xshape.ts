/**
 * The reference's 2-D X-shape toy (reference/algorithms.md §7.1, FCNet setting 5): 2000 points
 * uniform in [−5, 5]²; class 1 = top and bottom wedges (|y| > |x|), class 0 = left and right;
 * the decision boundary is the X of y = ±x. Random 80/20 train/test split.
 */
import { createRng, permutation } from '../../core/random'
import type { ClassificationDataset } from './types'

export function xshape(seed: number, count = 2000): ClassificationDataset {
  const rng = createRng(seed)
  const x = new Float32Array(count * 2)
  const y = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const a = rng.next() * 10 - 5
    const b = rng.next() * 10 - 5
    x[2 * i] = a
    x[2 * i + 1] = b
    y[i] = Math.abs(b) > Math.abs(a) ? 1 : 0
  }
  const order = permutation(count, rng)
  const nTrain = Math.round(count * 0.8)
  const pick = (from: number, to: number) => {
    const px = new Float32Array((to - from) * 2)
    const py = new Int32Array(to - from)
    for (let i = from; i < to; i++) {
      const j = order[i]!
      px[2 * (i - from)] = x[2 * j]!
      px[2 * (i - from) + 1] = x[2 * j + 1]!
      py[i - from] = y[j]!
    }
    return { x: px, y: py }
  }
  const train = pick(0, nTrain)
  const test = pick(nTrain, count)
  return {
    id: 'builtin:xshape',
    task: 'classification',
    xTrain: train.x,
    yTrain: train.y,
    xTest: test.x,
    yTest: test.y,
    inputShape: [2],
    numClasses: 2,
    classNames: ['left/right', 'top/bottom'],
    bounds: [
      [-5, 5],
      [-5, 5],
    ],
  }
}
