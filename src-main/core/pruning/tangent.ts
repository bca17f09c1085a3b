/**
 * The network's inference-mode forward pass carrying a tangent: every activation h together with
 * its directional derivative ḣ = (∂h/∂θ)·V along a constant parameter direction V (forward mode,
 * built from ordinary tfjs ops). It mirrors Network.forward layer for layer; a test keeps the
 * values equal to it for every family.
 *
 * Why: the exact Hessian-gradient product GraSP needs is H·V = ∇θ⟨∇θL, V⟩, and TF.js 4.22 cannot
 * differentiate our backward pass a second time (hessian.ts). But ⟨∇θL, V⟩ = ⟨∂L/∂logits, ḟ⟩,
 * a first-order expression of θ once ḟ is computed forward, so one ordinary reverse pass over it
 * gives H·V ("reverse over forward"). The ReLU on/off patterns and max-pool winners are recorded
 * in a first pass and held constant (the Hessian of a ReLU net almost everywhere), so the second
 * pass needs gradients of nothing but products, sums, convolutions, reshapes and the softmax.
 */
import * as tf from '@tensorflow/tfjs'
import type { BasicBlockSpec, BottleneckSpec, LayerSpec } from '../../contract/arch'
import { BN_EPS } from '../batchNorm'
import { conv2dPadded, optionAShortcut, selectStream, type Network } from '../network'
import { hasProjection } from '../shapes'
import { convHasBias } from '../spec'

/** A value and its tangent (null: zero, e.g. the input). */
interface Dual {
  v: tf.Tensor
  t: tf.Tensor | null
}

const sum = (a: tf.Tensor | null, b: tf.Tensor | null): tf.Tensor | null => (a && b ? tf.add(a, b) : (a ?? b))
/** A linear map of a dual: the tangent goes through it too. */
const linear = (a: Dual, f: (x: tf.Tensor) => tf.Tensor): Dual => ({ v: f(a.v), t: a.t ? f(a.t) : null })

export class TangentForward {
  /** ReLU masks and max-pool winners in forward order, recorded by the first pass and read by later ones */
  readonly masks: tf.Tensor[]
  private readonly recording: boolean
  private next = 0

  /**
   * `tangent`: V by parameter name (null: values only, recording the masks); `masks`: a recording
   * pass's masks (null: record them now).
   */
  constructor(
    private readonly net: Network,
    private readonly tangent: ReadonlyMap<string, tf.Tensor> | null,
    masks: tf.Tensor[] | null,
  ) {
    this.recording = masks === null
    this.masks = masks ?? []
  }

  /** Logits and their tangent on x (call inside a tidy or a gradient scope). */
  run(x: tf.Tensor): { logits: tf.Tensor2D; tangent: tf.Tensor2D | null } {
    const spec = this.net.spec
    let h: Dual = { v: x.rank === 1 + spec.input.length ? x : tf.reshape(x, [-1, ...spec.input]), t: null }
    for (const l of spec.layers) h = this.layer(l, h)
    const out = this.add(this.matMul(h, 'classifier.weight'), this.p('classifier.bias'))
    return { logits: out.v as tf.Tensor2D, tangent: out.t as tf.Tensor2D | null }
  }

  private p(name: string): Dual {
    return { v: this.net.param(name), t: this.tangent?.get(name) ?? null }
  }

  private add(a: Dual, b: Dual): Dual {
    return { v: tf.add(a.v, b.v), t: sum(a.t, b.t) }
  }

  /** x·W and its tangent ẋ·W + x·Ẇ */
  private matMul(x: Dual, weight: string): Dual {
    const w = this.p(weight)
    const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)
    return { v: mm(x.v, w.v), t: sum(x.t ? mm(x.t, w.v) : null, w.t ? mm(x.v, w.t) : null) }
  }

  private conv(x: Dual, weight: string, stride: number, pad: number): Dual {
    const w = this.p(weight)
    const c = (a: tf.Tensor, b: tf.Tensor) => conv2dPadded(a, b, stride, pad)
    return { v: c(x.v, w.v), t: sum(x.t ? c(x.t, w.v) : null, w.t ? c(x.v, w.t) : null) }
  }

  /** inference-mode BN: (z − μ)·γ/√(σ² + ε) + β with the running μ, σ² as constants */
  private bn(id: string, z: Dual): Dual {
    const gamma = this.p(`${id}.gamma`)
    const beta = this.p(`${id}.beta`)
    const inv = tf.rsqrt(tf.add(this.net.buffer(`${id}.runningVar`), BN_EPS))
    const xhat = tf.mul(tf.sub(z.v, this.net.buffer(`${id}.runningMean`)), inv)
    const v = tf.add(tf.mul(xhat, gamma.v), beta.v)
    const t = sum(sum(z.t ? tf.mul(tf.mul(z.t, inv), gamma.v) : null, gamma.t ? tf.mul(xhat, gamma.t) : null), beta.t)
    return { v, t }
  }

  private mask(make: () => tf.Tensor): tf.Tensor {
    if (this.recording) {
      const m = make()
      this.masks.push(m)
      return m
    }
    const m = this.masks[this.next++]
    if (!m) throw new Error('tangent forward: fewer recorded masks than the network has ReLUs and pools')
    return m
  }

  private relu(a: Dual): Dual {
    const m = this.mask(() => tf.step(a.v))
    return { v: tf.mul(a.v, m), t: a.t ? tf.mul(a.t, m) : null }
  }

  /** k×k max pool with stride k: each window's winner (the first maximum) recorded as a one-hot, the tangent taken there */
  private maxPool(a: Dual, k: number, stride: number): Dual {
    if (k !== stride) throw new Error(`tangent forward: max pool ${k}×${k} with stride ${stride} is not supported`)
    const [n, h, w, c] = a.v.shape as [number, number, number, number]
    const oh = Math.floor(h / k)
    const ow = Math.floor(w / k)
    const windows = (x: tf.Tensor) =>
      tf.reshape(tf.transpose(tf.reshape(tf.slice(x, [0, 0, 0, 0], [n, oh * k, ow * k, c]), [n, oh, k, ow, k, c]), [0, 1, 3, 5, 2, 4]), [n, oh, ow, c, k * k])
    const win = windows(a.v)
    const sel = this.mask(() => tf.oneHot(tf.argMax(win, 4), k * k).toFloat())
    return { v: tf.sum(tf.mul(win, sel), 4), t: a.t ? tf.sum(tf.mul(windows(a.t), sel), 4) : null }
  }

  private layer(l: LayerSpec, h: Dual): Dual {
    switch (l.kind) {
      case 'dense': {
        const z = this.matMul(h, `${l.name}.weight`)
        const y = l.bn ? this.bn(`${l.name}.bn`, z) : this.add(z, this.p(`${l.name}.bias`))
        return l.relu ? this.relu(y) : y
      }
      case 'conv': {
        let z = this.conv(h, `${l.name}.weight`, l.stride, l.pad)
        if (l.bn) z = this.bn(`${l.name}.bn`, z)
        else if (convHasBias(l)) z = this.add(z, this.p(`${l.name}.bias`))
        return l.relu ? this.relu(z) : z
      }
      case 'maxpool':
        return this.maxPool(h, l.size, l.stride)
      case 'avgpool':
        return linear(h, (x) => tf.avgPool(x as tf.Tensor4D, l.size, l.stride, 'valid'))
      case 'gap':
        return linear(h, (x) => tf.mean(x, [1, 2]))
      case 'flatten':
        return linear(h, (x) => tf.reshape(x, [x.shape[0]!, -1]))
      case 'basic':
        return this.basic(l, h)
      case 'bottleneck':
        return this.bottleneck(l, h)
      case 'bnrelu':
        return this.relu(
          this.bn(
            `${l.name}.bn`,
            linear(h, (x) => selectStream(x, l.select)),
          ),
        )
    }
  }

  private basic(l: BasicBlockSpec, x: Dual): Dual {
    let h = this.relu(this.bn(`${l.name}.bn1`, this.conv(x, `${l.name}.conv1.weight`, l.stride, 1)))
    h = this.bn(`${l.name}.bn2`, this.conv(h, `${l.name}.conv2.weight`, 1, 1))
    return this.relu(
      this.add(
        h,
        linear(x, (v) => optionAShortcut(v, l.stride, l.out)),
      ),
    )
  }

  private bottleneck(l: BottleneckSpec, x: Dual): Dual {
    let h = this.relu(
      this.bn(
        `${l.name}.bn1`,
        linear(x, (v) => selectStream(v, l.select)),
      ),
    )
    h = this.relu(this.bn(`${l.name}.bn2`, this.conv(h, `${l.name}.conv1.weight`, 1, 0)))
    h = this.relu(this.bn(`${l.name}.bn3`, this.conv(h, `${l.name}.conv2.weight`, l.stride, 1)))
    h = this.conv(h, `${l.name}.conv3.weight`, 1, 0)
    const shortcut = hasProjection(l, x.v.shape[3]!) ? this.conv(x, `${l.name}.shortcut.weight`, l.stride, 0) : x
    return this.add(h, shortcut)
  }
}
