/**
 * The bench models, built and trained on the product's own path: an ArchSpec → `Network`, trained
 * by a `TrainStep` (the product's `localStep` unless a configuration names another) with the
 * product's `SgdMomentum`. bench/torch_bench.py defines the same three models for the ratio;
 * the parameter counts of both are compared in every run.
 */
import { buildSpec } from '../src-main/core/models'
import { Network } from '../src-main/core/network'
import { SgdMomentum } from '../src-main/core/sgd'
import type { ArchSpec } from '../src-main/contract/arch'
import type { BenchModelName } from './options'

export { BENCH_MODELS as MODELS, type BenchModelName as ModelName } from './options'

/** lr 0.01, momentum 0.9, weight decay 5e-4: the same in torch_bench.py. */
export const SGD = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 } as const

export const CLASSES = 10

/**
 * mlp: 784-512-512-10 with ReLU and biases. The product's buildSpec('mlp') puts a BN after every
 * dense layer; the mlp PyTorch users compare against has none, so its spec is written out here
 * (a dense layer without BN has a bias, as nn.Linear).
 * cnn: buildSpec('cnn') on 28×28×1 is exactly conv3×3·16 → BN → ReLU → maxpool2 → conv3×3·32 →
 * BN → ReLU → maxpool2 → dense 10, convs without bias.
 * vgg11: buildSpec('vgg11', width 0.25) on 32×32×3: CIFAR VGG-11 with BN, channels
 * 16-M-32-M-64-64-M-128-128-M-128-128, global average pool (2×2 maps), dense 10.
 */
export function benchSpec(name: BenchModelName): ArchSpec {
  if (name === 'mlp') {
    return {
      family: 'mlp',
      name: 'mlp',
      input: [784],
      classes: CLASSES,
      layers: [
        { kind: 'dense', name: 'fc1', units: 512, bn: false, relu: true },
        { kind: 'dense', name: 'fc2', units: 512, bn: false, relu: true },
      ],
    }
  }
  if (name === 'cnn') return buildSpec('cnn', [28, 28, 1], CLASSES)
  return buildSpec('vgg11', [32, 32, 3], CLASSES, { width: 0.25 })
}

export interface BenchModel {
  name: BenchModelName
  network: Network
  optimizer: SgdMomentum
  featureSize: number
  dispose(): void
}

export function createModel(name: BenchModelName, seed = 1): BenchModel {
  const network = new Network(benchSpec(name), seed)
  const optimizer = new SgdMomentum({ ...SGD })
  return {
    name,
    network,
    optimizer,
    featureSize: network.spec.input.reduce((a, b) => a * b, 1),
    dispose() {
      optimizer.dispose()
      network.dispose()
    },
  }
}

/** Seeded uniform [-1, 1) values, so every backend sees the same inputs. */
export function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = (s / 2 ** 31 - 1) * scale
  }
  return out
}

/** A few fixed batches, cycled by the harness; a TrainStep uploads each one, as in training. */
export function makeBatches(featureSize: number, batch: number, count = 4): { x: Float32Array; y: Int32Array }[] {
  return Array.from({ length: count }, (_, i) => ({
    x: seeded(batch * featureSize, 1000 + i),
    y: Int32Array.from(seeded(batch, 2000 + i), (v) => Math.floor((v + 1) * 5) % CLASSES),
  }))
}
