/**
 * A network built from an ArchSpec as plain tf.Variables and a functional forward pass.
 * Owning the parameters (rather than using tf.layers) keeps channel surgery, spline-code capture
 * (every BN output) and higher-order gradients straightforward.
 */
import * as tf from '@tensorflow/tfjs'
import type { ArchSpec } from './spec'
import { createRng, type Rng } from './random'

const BN_EPS = 1e-5
/** PyTorch's BN momentum: running = (1 − m)·running + m·batch */
const BN_MOMENTUM = 0.1

export interface ForwardResult {
  logits: tf.Tensor2D
  /** pre-activation (BN output) of every ReLU layer, in spec order */
  preacts: tf.Tensor[]
}

interface BatchStat {
  layer: string
  mean: tf.Tensor
  variance: tf.Tensor
  count: number
}

export class Network {
  readonly trainable = new Map<string, tf.Variable>()
  readonly buffers = new Map<string, tf.Variable>()
  private pendingStats: BatchStat[] = []

  constructor(
    readonly spec: ArchSpec,
    seed: number,
  ) {
    if (spec.family !== 'mlp') throw new Error(`unsupported model family '${spec.family}'`)
    const rng = createRng(seed)
    let fanIn = spec.input.reduce((a, b) => a * b, 1)
    for (const layer of spec.layers) {
      // Kaiming-normal (fan-in) for ReLU layers; BN γ = 0.5 as in the reference code (§4.1).
      this.addVar(`${layer.name}.weight`, [fanIn, layer.units], normal(rng, fanIn * layer.units, Math.sqrt(2 / fanIn)))
      if (layer.bn) {
        this.addVar(`${layer.name}.bn.gamma`, [layer.units], filled(layer.units, 0.5))
        this.addVar(`${layer.name}.bn.beta`, [layer.units], filled(layer.units, 0))
        this.addBuffer(`${layer.name}.bn.runningMean`, [layer.units], filled(layer.units, 0))
        this.addBuffer(`${layer.name}.bn.runningVar`, [layer.units], filled(layer.units, 1))
      } else {
        this.addVar(`${layer.name}.bias`, [layer.units], filled(layer.units, 0))
      }
      fanIn = layer.units
    }
    this.addVar('classifier.weight', [fanIn, spec.classes], normal(rng, fanIn * spec.classes, 0.01))
    this.addVar('classifier.bias', [spec.classes], filled(spec.classes, 0))
  }

  /**
   * Forward pass. In training mode BN uses batch statistics, which are remembered and folded
   * into the running statistics by `commitBatchStats()` after the optimizer step (outside the
   * gradient tape). Call inside tf.tidy / variableGrads.
   */
  forward(x: tf.Tensor2D, training: boolean): ForwardResult {
    const preacts: tf.Tensor[] = []
    let h: tf.Tensor2D = x
    for (const layer of this.spec.layers) {
      let z = tf.matMul(h, this.param(`${layer.name}.weight`)) as tf.Tensor2D
      if (layer.bn) z = this.batchNorm(layer.name, z, training)
      else z = tf.add(z, this.param(`${layer.name}.bias`))
      if (layer.relu) {
        preacts.push(z)
        z = tf.relu(z)
      }
      h = z
    }
    const logits = tf.add(tf.matMul(h, this.param('classifier.weight')), this.param('classifier.bias')) as tf.Tensor2D
    return { logits, preacts }
  }

  private batchNorm(name: string, z: tf.Tensor2D, training: boolean): tf.Tensor2D {
    const gamma = this.param(`${name}.bn.gamma`)
    const beta = this.param(`${name}.bn.beta`)
    let mean: tf.Tensor
    let variance: tf.Tensor
    if (training) {
      const m = tf.moments(z, 0)
      mean = m.mean
      variance = m.variance
      this.pendingStats.push({ layer: name, mean: tf.keep(mean), variance: tf.keep(variance), count: z.shape[0] })
    } else {
      mean = this.buffer(`${name}.bn.runningMean`)
      variance = this.buffer(`${name}.bn.runningVar`)
    }
    return tf.batchNorm(z, mean, variance, beta, gamma, BN_EPS) as tf.Tensor2D
  }

  /** Folds the batch statistics of the last training forward pass into the running ones. */
  commitBatchStats(): void {
    const stats = this.pendingStats
    this.pendingStats = []
    tf.tidy(() => {
      for (const s of stats) {
        const rm = this.buffer(`${s.layer}.bn.runningMean`)
        const rv = this.buffer(`${s.layer}.bn.runningVar`)
        // PyTorch keeps the unbiased batch variance in the running estimate.
        const unbiased = s.count > 1 ? tf.mul(s.variance, s.count / (s.count - 1)) : s.variance
        rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(s.mean, BN_MOMENTUM)))
        rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)))
      }
    })
    for (const s of stats) tf.dispose([s.mean, s.variance])
  }

  /** Drops batch statistics without applying them (e.g. after an evaluation in training mode). */
  discardBatchStats(): void {
    for (const s of this.pendingStats) tf.dispose([s.mean, s.variance])
    this.pendingStats = []
  }

  param(name: string): tf.Variable {
    const v = this.trainable.get(name)
    if (!v) throw new Error(`no parameter '${name}'`)
    return v
  }

  buffer(name: string): tf.Variable {
    const v = this.buffers.get(name)
    if (!v) throw new Error(`no buffer '${name}'`)
    return v
  }

  /** Number of trainable scalars. */
  paramCount(): number {
    let n = 0
    for (const v of this.trainable.values()) n += v.size
    return n
  }

  dispose(): void {
    this.discardBatchStats()
    for (const v of this.trainable.values()) v.dispose()
    for (const v of this.buffers.values()) v.dispose()
    this.trainable.clear()
    this.buffers.clear()
  }

  private addVar(name: string, shape: number[], values: Float32Array): void {
    this.trainable.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), true, uniqueName(name))))
  }

  private addBuffer(name: string, shape: number[], values: Float32Array): void {
    this.buffers.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), false, uniqueName(name))))
  }
}

let counter = 0
// tf.variable names are global to the engine; several networks live side by side (pruning).
const uniqueName = (name: string): string => `${name}#${++counter}`

function normal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std
  return out
}

function filled(n: number, value: number): Float32Array {
  return new Float32Array(n).fill(value)
}
