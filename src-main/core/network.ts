/**
 * A network built from an ArchSpec as plain tf.Variables and a functional forward pass (NHWC).
 * Owning the parameters (rather than using tf.layers) keeps channel surgery, spline-code capture
 * (every BN output) and higher-order gradients straightforward.
 */
import * as tf from '@tensorflow/tfjs'
import type { ArchSpec, BasicBlockSpec, BottleneckSpec, ConvSpec, LayerSpec } from '../contract/arch'
import { inferShapes, hasProjection } from './shapes'
import { createRng, type Rng } from './random'
import { BatchNormState } from './batchNorm'
import { convHasBias } from './spec'

export interface ForwardResult {
  logits: tf.Tensor2D
  /**
   * The input of every ReLU that follows a BN (the spline code source), in forward order, by the
   * BN's id: the BN's output, except in a post-activation basic block, whose second ReLU acts on
   * BN2 + shortcut (that sum is the code recorded under `<block>.bn2`).
   */
  codes: { id: string; value: tf.Tensor }[]
}

export class Network {
  readonly trainable = new Map<string, tf.Variable>()
  readonly buffers = new Map<string, tf.Variable>()
  readonly bn: BatchNormState
  /** BN ids in forward order */
  readonly bnIds: string[] = []

  constructor(
    readonly spec: ArchSpec,
    seed: number,
  ) {
    this.bn = new BatchNormState(this)
    new Initializer(this, createRng(seed)).build()
  }

  /**
   * Forward pass. In training mode BN uses batch statistics, remembered and folded into the
   * running statistics by `commitBatchStats()` after the optimizer step. Call inside tf.tidy or
   * tf.variableGrads.
   */
  forward(x: tf.Tensor, training: boolean): ForwardResult {
    const codes: ForwardResult['codes'] = []
    const bn = (id: string, z: tf.Tensor) => {
      const out = this.bn.apply(id, z, training)
      codes.push({ id, value: out })
      return out
    }
    let h = x.rank === 1 + this.spec.input.length ? x : tf.reshape(x, [-1, ...this.spec.input])
    this.training = training
    for (const layer of this.spec.layers) h = this.layer(layer, h, bn, codes)
    const logits = tf.add(tf.matMul(h as tf.Tensor2D, this.param('classifier.weight')), this.param('classifier.bias')) as tf.Tensor2D
    return { logits, codes }
  }

  /** the mode of the forward pass in progress */
  private training = false

  private layer(l: LayerSpec, h: tf.Tensor, bn: (id: string, z: tf.Tensor) => tf.Tensor, codes: ForwardResult['codes']): tf.Tensor {
    switch (l.kind) {
      case 'dense': {
        let z: tf.Tensor = tf.matMul(h as tf.Tensor2D, this.param(`${l.name}.weight`))
        z = l.bn ? bn(`${l.name}.bn`, z) : tf.add(z, this.param(`${l.name}.bias`))
        return l.relu ? tf.relu(z) : z
      }
      case 'conv': {
        let z: tf.Tensor = this.conv(h, `${l.name}.weight`, l.stride, l.pad)
        if (l.bn) z = bn(`${l.name}.bn`, z)
        else if (convHasBias(l)) z = tf.add(z, this.param(`${l.name}.bias`))
        return l.relu ? tf.relu(z) : z
      }
      case 'maxpool':
        return tf.maxPool(h as tf.Tensor4D, l.size, l.stride, 'valid')
      case 'avgpool':
        return tf.avgPool(h as tf.Tensor4D, l.size, l.stride, 'valid')
      case 'gap':
        return tf.mean(h, [1, 2])
      case 'flatten':
        return tf.reshape(h, [h.shape[0]!, -1])
      case 'basic':
        return this.basic(l, h, bn, codes)
      case 'bottleneck':
        return this.bottleneck(l, h, bn)
      case 'bnrelu':
        return tf.relu(bn(`${l.name}.bn`, selectStream(h, l.select)))
    }
  }

  private basic(l: BasicBlockSpec, x: tf.Tensor, bn: (id: string, z: tf.Tensor) => tf.Tensor, codes: ForwardResult['codes']): tf.Tensor {
    let h = tf.relu(bn(`${l.name}.bn1`, this.conv(x, `${l.name}.conv1.weight`, l.stride, 1)))
    h = this.bn.apply(`${l.name}.bn2`, this.conv(h, `${l.name}.conv2.weight`, 1, 1), this.training)
    const pre = tf.add(h, optionAShortcut(x, l.stride, l.out))
    codes.push({ id: `${l.name}.bn2`, value: pre })
    return tf.relu(pre)
  }

  private bottleneck(l: BottleneckSpec, x: tf.Tensor, bn: (id: string, z: tf.Tensor) => tf.Tensor): tf.Tensor {
    let h = tf.relu(bn(`${l.name}.bn1`, selectStream(x, l.select)))
    h = tf.relu(bn(`${l.name}.bn2`, this.conv(h, `${l.name}.conv1.weight`, 1, 0)))
    h = tf.relu(bn(`${l.name}.bn3`, this.conv(h, `${l.name}.conv2.weight`, l.stride, 1)))
    h = this.conv(h, `${l.name}.conv3.weight`, 1, 0)
    const shortcut = hasProjection(l, x.shape[3]!) ? this.conv(x, `${l.name}.shortcut.weight`, l.stride, 0) : x
    return tf.add(h, shortcut)
  }

  private conv(x: tf.Tensor, weight: string, stride: number, pad: number): tf.Tensor4D {
    return conv2dPadded(x, this.param(weight), stride, pad)
  }

  commitBatchStats(): void {
    this.bn.commit()
  }

  discardBatchStats(): void {
    this.bn.discard()
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

  paramCount(): number {
    let n = 0
    for (const v of this.trainable.values()) n += v.size
    return n
  }

  /** Copies of every variable's values (for checkpoints and surgery). */
  snapshot(): Record<string, { shape: number[]; values: Float32Array }> {
    const out: Record<string, { shape: number[]; values: Float32Array }> = {}
    for (const [name, v] of [...this.trainable, ...this.buffers]) out[name] = { shape: v.shape, values: v.dataSync() as Float32Array }
    return out
  }

  /** Overwrites variables from a snapshot (shapes must match). */
  load(values: Record<string, { shape: number[]; values: Float32Array }>): void {
    for (const [name, v] of [...this.trainable, ...this.buffers]) {
      const src = values[name]
      if (!src) throw new Error(`snapshot has no '${name}'`)
      if (src.shape.join() !== v.shape.join()) throw new Error(`'${name}': shape ${src.shape} ≠ ${v.shape}`)
      tf.tidy(() => v.assign(tf.tensor(src.values, v.shape)))
    }
  }

  dispose(): void {
    this.bn.discard()
    for (const v of this.trainable.values()) v.dispose()
    for (const v of this.buffers.values()) v.dispose()
    this.trainable.clear()
    this.buffers.clear()
  }

  /** @internal used by the initializer */
  addVariable(name: string, shape: number[], values: Float32Array, trainable: boolean): void {
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable, uniqueName(name)))
    ;(trainable ? this.trainable : this.buffers).set(name, v)
  }
}

/** A convolution with PyTorch's symmetric zero padding (TF's 'same' pads asymmetrically at stride 2). */
export function conv2dPadded(x: tf.Tensor, w: tf.Tensor, stride: number, pad: number): tf.Tensor4D {
  const padding =
    pad === 0
      ? 'valid'
      : ([
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ] as [[number, number], [number, number], [number, number], [number, number]])
  return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, padding)
}

/**
 * The residual-stream channels a pre-activation block (or the final BN) reads, the EB code's
 * channel_selection; all of them when `select` is absent. Its gradient scatters back with a
 * gather over [dy | 0] (tf.gather's own gradient needs UnsortedSegmentSum, which wasm lacks).
 */
export function selectStream(x: tf.Tensor, select: number[] | undefined): tf.Tensor {
  const c = x.shape[x.rank - 1]!
  if (!select || (select.length === c && select.every((k, i) => k === i))) return x
  const fn = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.gather(input, tf.tensor1d(select, 'int32'), input.rank - 1),
    gradFunc: (dy: tf.Tensor) => {
      const at = new Int32Array(c).fill(select.length)
      select.forEach((k, i) => (at[k] = i))
      const padded = tf.concat([dy, tf.zeros([...dy.shape.slice(0, -1), 1])], dy.rank - 1)
      return tf.gather(padded, tf.tensor1d(at, 'int32'), dy.rank - 1)
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0])
  return fn(x)
}

/** Identity, or option A: stride-2 subsampling and zero-padded channels (no parameters). */
export function optionAShortcut(x: tf.Tensor, stride: number, out: number): tf.Tensor {
  const s = stride === 1 ? x : subsample(x as tf.Tensor4D, stride)
  const cin = s.shape[3]!
  if (cin === out) return s
  const front = Math.floor((out - cin) / 2)
  return tf.pad(s, [
    [0, 0],
    [0, 0],
    [0, 0],
    [front, out - cin - front],
  ])
}

/**
 * x[:, ::stride, ::stride, :] from ops that have gradients in tfjs (tf.stridedSlice has none, so
 * a ResNet could not train): pad H and W up to multiples of the stride with rows that are never
 * picked, split each into (out, stride) and keep offset 0.
 */
export function subsample(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape
  const oh = Math.ceil(h / stride)
  const ow = Math.ceil(w / stride)
  const padded =
    oh * stride === h && ow * stride === w
      ? x
      : tf.pad(x, [
          [0, 0],
          [0, oh * stride - h],
          [0, ow * stride - w],
          [0, 0],
        ])
  const split = tf.reshape(padded, [n, oh, stride, ow, stride, c])
  return tf.reshape(tf.slice(split, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c])
}

let counter = 0
// tf.variable names are global to the engine; several networks live side by side (pruning).
const uniqueName = (name: string): string => `${name}#${++counter}`

/**
 * Reference initialisation (algorithms.md §4.1): conv N(0, √(2/(k²·C_out))) (fan-out),
 * dense hidden layers Kaiming fan-in, BN γ = 0.5, β = 0, classifier N(0, 0.01), biases 0.
 */
class Initializer {
  constructor(
    private readonly net: Network,
    private readonly rng: Rng,
  ) {}

  build(): void {
    const { layers, features } = inferShapes(this.net.spec)
    for (const { layer: l, input } of layers) {
      const cin = input[input.length - 1]!
      if (l.kind === 'dense') {
        this.normal(`${l.name}.weight`, [cin, l.units], Math.sqrt(2 / cin))
        if (l.bn) this.bn(`${l.name}.bn`, l.units)
        else this.fill(`${l.name}.bias`, [l.units], 0)
      } else if (l.kind === 'conv') {
        this.conv(l.name, l, cin)
      } else if (l.kind === 'basic') {
        this.convWeight(`${l.name}.conv1.weight`, 3, cin, l.mid)
        this.bn(`${l.name}.bn1`, l.mid)
        this.convWeight(`${l.name}.conv2.weight`, 3, l.mid, l.out)
        this.bn(`${l.name}.bn2`, l.out)
      } else if (l.kind === 'bottleneck') {
        const read = l.select?.length ?? cin
        this.bn(`${l.name}.bn1`, read)
        this.convWeight(`${l.name}.conv1.weight`, 1, read, l.c1)
        this.bn(`${l.name}.bn2`, l.c1)
        this.convWeight(`${l.name}.conv2.weight`, 3, l.c1, l.c2)
        this.bn(`${l.name}.bn3`, l.c2)
        this.convWeight(`${l.name}.conv3.weight`, 1, l.c2, l.out)
        if (hasProjection(l, cin)) this.convWeight(`${l.name}.shortcut.weight`, 1, cin, l.out)
      } else if (l.kind === 'bnrelu') {
        this.bn(`${l.name}.bn`, l.select?.length ?? cin)
      }
    }
    this.normal('classifier.weight', [features, this.net.spec.classes], 0.01)
    this.fill('classifier.bias', [this.net.spec.classes], 0)
  }

  private conv(name: string, l: ConvSpec, cin: number): void {
    this.convWeight(`${name}.weight`, l.kernel, cin, l.out)
    if (l.bn) this.bn(`${name}.bn`, l.out)
    else if (convHasBias(l)) this.fill(`${name}.bias`, [l.out], 0)
  }

  private convWeight(name: string, k: number, cin: number, cout: number): void {
    this.normal(name, [k, k, cin, cout], Math.sqrt(2 / (k * k * cout)))
  }

  private bn(id: string, c: number): void {
    this.fill(`${id}.gamma`, [c], 0.5)
    this.fill(`${id}.beta`, [c], 0)
    this.net.addVariable(`${id}.runningMean`, [c], new Float32Array(c), false)
    this.net.addVariable(`${id}.runningVar`, [c], new Float32Array(c).fill(1), false)
    this.net.bnIds.push(id)
  }

  private normal(name: string, shape: number[], std: number): void {
    const n = shape.reduce((a, b) => a * b, 1)
    const values = new Float32Array(n)
    for (let i = 0; i < n; i++) values[i] = this.rng.normal() * std
    this.net.addVariable(name, shape, values, true)
  }

  private fill(name: string, shape: number[], value: number): void {
    this.net.addVariable(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), true)
  }
}
