/**
 * The bench models in plain tfjs ops (matMul, conv2d, the trainer's batchNormTrain, maxPool) trained with
 * tf.variableGrads and our SgdMomentum, so a step runs exactly the kernels the trainer runs.
 * bench/torch_bench.py defines the same two models for the ratio.
 */
import * as tf from '@tensorflow/tfjs'
import { batchNormTrain } from '../src-main/core/batchNorm'
import { SgdMomentum } from '../src-main/core/sgd'

export const MODELS = ['mlp', 'cnn'] as const
export type ModelName = (typeof MODELS)[number]

export interface BenchModel {
  name: ModelName
  params: Map<string, tf.Variable>
  /** mean softmax cross-entropy of a batch (call inside a tidy / gradient scope) */
  loss(x: tf.Tensor, onehot: tf.Tensor): tf.Scalar
  /** one SGD step on (x, labels); returns the loss, still on the backend */
  step(x: tf.Tensor, labels: tf.Tensor1D): tf.Scalar
  /** the input shape of one example */
  inputShape: number[]
  dispose(): void
}

/** Seeded uniform [-1, 1) values so every backend starts from the same weights. */
export function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = (s / 2 ** 31 - 1) * scale
  }
  return out
}

function makeParams(shapes: Record<string, { shape: number[]; fanIn?: number; fill?: number }>) {
  const params = new Map<string, tf.Variable>()
  let seed = 1
  for (const [name, { shape, fanIn, fill }] of Object.entries(shapes)) {
    const n = shape.reduce((a, b) => a * b, 1)
    // Uniform with the variance of Kaiming-normal: std √(2/fanIn) = scale/√3.
    const values = fanIn ? seeded(n, seed++, Math.sqrt(6 / fanIn)) : new Float32Array(n).fill(fill ?? 0)
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `bench.${name}.${Math.random()}`)))
  }
  return params
}

function batchNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  return batchNormTrain(x, gamma, beta).y as tf.Tensor4D
}

function forwardFor(name: ModelName, p: Map<string, tf.Variable>): (x: tf.Tensor) => tf.Tensor2D {
  const v = (k: string): tf.Variable => p.get(k)!
  if (name === 'mlp') {
    return (x) => {
      let h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, v('fc1.w')), v('fc1.b'))) as tf.Tensor2D
      h = tf.relu(tf.add(tf.matMul(h, v('fc2.w')), v('fc2.b'))) as tf.Tensor2D
      return tf.add(tf.matMul(h, v('fc3.w')), v('fc3.b')) as tf.Tensor2D
    }
  }
  return (x) => {
    let h = tf.conv2d(x as tf.Tensor4D, v('conv1.w') as tf.Tensor4D, 1, 'same')
    h = tf.maxPool(tf.relu(batchNorm(h, v('bn1.g'), v('bn1.b'))), 2, 2, 'valid')
    h = tf.conv2d(h, v('conv2.w') as tf.Tensor4D, 1, 'same')
    h = tf.maxPool(tf.relu(batchNorm(h, v('bn2.g'), v('bn2.b'))), 2, 2, 'valid')
    const flat = tf.reshape(h, [h.shape[0], 7 * 7 * 32]) as tf.Tensor2D
    return tf.add(tf.matMul(flat, v('fc.w')), v('fc.b')) as tf.Tensor2D
  }
}

export function createModel(name: ModelName): BenchModel {
  // Conv layers carry no bias: the BN after each one cancels it (same in torch_bench.py).
  const params = name === 'mlp'
    ? makeParams({
      'fc1.w': { shape: [784, 512], fanIn: 784 }, 'fc1.b': { shape: [512] },
      'fc2.w': { shape: [512, 512], fanIn: 512 }, 'fc2.b': { shape: [512] },
      'fc3.w': { shape: [512, 10], fanIn: 512 }, 'fc3.b': { shape: [10] },
    })
    : makeParams({
      'conv1.w': { shape: [3, 3, 1, 16], fanIn: 9 }, 'bn1.g': { shape: [16], fill: 1 }, 'bn1.b': { shape: [16] },
      'conv2.w': { shape: [3, 3, 16, 32], fanIn: 144 }, 'bn2.g': { shape: [32], fill: 1 }, 'bn2.b': { shape: [32] },
      'fc.w': { shape: [1568, 10], fanIn: 1568 }, 'fc.b': { shape: [10] },
    })
  const forward = forwardFor(name, params)
  const sgd = new SgdMomentum({ lr: 0.01, momentum: 0.9, weightDecay: 5e-4 })
  const byVar = new Map([...params].map(([k, v]) => [v.name, k]))
  const loss = (x: tf.Tensor, onehot: tf.Tensor): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(onehot, forward(x)) as tf.Scalar
  return {
    name,
    params,
    inputShape: name === 'mlp' ? [784] : [28, 28, 1],
    loss,
    step(x, labels) {
      return tf.tidy(() => {
        const onehot = tf.oneHot(labels, 10)
        const { value, grads } = tf.variableGrads(() => loss(x, onehot), [...params.values()])
        const named: Record<string, tf.Tensor> = {}
        for (const [varName, g] of Object.entries(grads)) named[byVar.get(varName)!] = g
        sgd.step(params, named)
        return value
      })
    },
    dispose() {
      sgd.dispose()
      for (const p of params.values()) p.dispose()
    },
  }
}

/** A few fixed batches, cycled by the harness; uploaded per step like the trainer's. */
export function makeBatches(model: BenchModel, batch: number, count = 4): { x: Float32Array; y: Int32Array }[] {
  const feat = model.inputShape.reduce((a, b) => a * b, 1)
  return Array.from({ length: count }, (_, i) => ({
    x: seeded(batch * feat, 1000 + i).map((v) => (v + 1) / 2),
    y: Int32Array.from(seeded(batch, 2000 + i), (v) => Math.floor((v + 1) * 5) % 10),
  }))
}
