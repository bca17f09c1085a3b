/**
 * SGD with momentum and PyTorch-style coupled weight decay:
 *   g ← g + wd·θ;  v ← μ·v + g;  θ ← θ − lr·v
 * (tf.train.momentum has no weight decay, and decoupled decay would change the reference's
 * dynamics, so we own the update.)
 */
import * as tf from '@tensorflow/tfjs'

/**
 * The update below as one kernel, for backends that register it: inputs {theta, v, g}, attrs
 * {lr, momentum, weightDecay}; outputs [theta', v']. It must round like the composed ops (each
 * product and sum to float32, in this order), so that runs do not depend on which one ran.
 * Composed, a parameter's update is six kernels and allocations; on the data-parallel step it is
 * part of the serial work.
 */
export const SGD_MOMENTUM = 'SplineLabSgdMomentum'

export interface SgdOptions {
  lr: number
  momentum: number
  weightDecay: number
  /** network-slimming sparsity: g_γ += s·sign(γ) for every BN γ (names ending in '.gamma') */
  bnL1?: number
}

export class SgdMomentum {
  private velocity = new Map<string, tf.Variable>()
  lr: number

  constructor(private readonly options: SgdOptions) {
    this.lr = options.lr
  }

  step(params: Map<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    const { momentum, weightDecay } = this.options
    const fused = tf.getKernel(SGD_MOMENTUM, tf.getBackend()) !== undefined
    tf.tidy(() => {
      for (const [name, theta] of params) {
        const g0 = grads[name]
        if (!g0) continue
        const l1 = this.options.bnL1 !== undefined && this.options.bnL1 !== 0 && name.endsWith('.gamma')
        let v = this.velocity.get(name)
        if (v && fused && !l1) {
          const [t1, v1] = tf.engine().runKernel(SGD_MOMENTUM, { theta, v, g: g0 }, { lr: this.lr, momentum, weightDecay }) as tf.Tensor[]
          v.assign(v1!)
          theta.assign(t1!)
          continue
        }
        let g = weightDecay > 0 ? tf.add(g0, tf.mul(theta, weightDecay)) : g0
        if (l1) g = tf.add(g, tf.mul(tf.sign(theta), this.options.bnL1!))
        if (!v) {
          // PyTorch initialises the buffer with the first gradient.
          v = tf.variable(g.clone(), false)
          this.velocity.set(name, v)
        } else {
          v.assign(tf.add(tf.mul(v, momentum), g))
        }
        theta.assign(tf.sub(theta, tf.mul(v, this.lr)))
      }
    })
  }

  /** Copies of the momentum buffers (for checkpoints); a parameter without one has not stepped yet. */
  state(): Record<string, { shape: number[]; values: Float32Array }> {
    const out: Record<string, { shape: number[]; values: Float32Array }> = {}
    for (const [name, v] of this.velocity) out[name] = { shape: v.shape, values: v.dataSync() as Float32Array }
    return out
  }

  /** Restores momentum buffers from `state()`, replacing any held now (resume continues exactly). */
  load(state: Record<string, { shape: number[]; values: Float32Array }>): void {
    this.dispose()
    for (const [name, s] of Object.entries(state))
      this.velocity.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(s.values, s.shape), false)),
      )
  }

  dispose(): void {
    for (const v of this.velocity.values()) v.dispose()
    this.velocity.clear()
  }
}

/** Multi-step schedule: lr × 0.1 at each milestone epoch (given as fractions of the total). */
export function multiStepLr(baseLr: number, epoch: number, totalEpochs: number, milestones: number[]): number {
  let lr = baseLr
  for (const m of milestones) if (epoch >= Math.round(m * totalEpochs)) lr *= 0.1
  return lr
}
