/**
 * Small networks trained for a few SGD steps on seeded random data: fixed checkpoints whose
 * weights and BN running statistics are no longer their initial values, for the criteria tests.
 */
import { Network } from '../../src-main/core/network'
import { buildSpec, type ModelOptions } from '../../src-main/core/models'
import { createRng } from '../../src-main/core/random'
import { SgdMomentum } from '../../src-main/core/sgd'
import { localStep } from '../../src-main/core/step'

export interface Data {
  x: Float32Array
  y: Int32Array
  count: number
  featureSize: number
}

/** `count` examples of `input` shape: normal inputs, labels from a fixed random linear rule (so there is something to learn). */
export function randomData(input: number[], classes: number, count: number, seed: number): Data {
  const rng = createRng(seed)
  const featureSize = input.reduce((a, b) => a * b, 1)
  const x = Float32Array.from({ length: count * featureSize }, () => rng.normal())
  const w = Float32Array.from({ length: featureSize * classes }, () => rng.normal())
  const y = new Int32Array(count)
  for (let n = 0; n < count; n++) {
    let best = -Infinity
    for (let c = 0; c < classes; c++) {
      let s = 0
      for (let i = 0; i < featureSize; i++) s += x[n * featureSize + i]! * w[i * classes + c]!
      if (s > best) {
        best = s
        y[n] = c
      }
    }
  }
  return { x, y, count, featureSize }
}

export function trainedNet(
  model: string,
  input: number[],
  classes: number,
  options: ModelOptions,
  seed = 1,
  steps = 12,
  batch = 32,
): { net: Network; data: Data } {
  const data = randomData(input, classes, 200, seed)
  const net = new Network(buildSpec(model, input, classes, options), seed)
  const optimizer = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4, bnL1: 0 })
  const step = localStep(net, optimizer, data.featureSize, classes)
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % (data.count - batch)
    step.run(data.x.subarray(start * data.featureSize, (start + batch) * data.featureSize), data.y.subarray(start, start + batch), batch)
  }
  optimizer.dispose()
  return { net, data }
}
