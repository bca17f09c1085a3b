/**
 * The Hessian-gradient product Hg for GraSP. Double backprop is tried first, but TF.js 4.22 cannot
 * differentiate our backward pass twice: nested `variableGrads` do not compose,
 * `losses.softmaxCrossEntropy` is a custom gradient (not twice differentiable), the fused BatchNorm
 * gradient fails, and `Conv2DBackpropFilter` / `MaxPoolGrad` have no gradient at all. So the
 * documented fallback is central finite differences of the gradient:
 * Hg ≈ (∇L(θ + εg) − ∇L(θ − εg)) / 2ε, with ε = 3·10⁻³·(1 + ‖θ‖) / ‖g‖ (smaller steps drown in float32 rounding).
 * The criterion's notes record which method ran and why.
 */
import * as tf from '@tensorflow/tfjs'
import type { ScoreContext } from './types'
import { lossGradients } from './gradients'

export function hessianGradient(ctx: ScoreContext): { hg: Record<string, Float32Array>; method: string; note?: string } {
  try {
    return { hg: doubleBackprop(ctx), method: 'double backprop' }
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err)
    ctx.network.discardBatchStats()
    return { hg: finiteDifference(ctx), method: 'central finite differences', note: `double backprop failed (${why})` }
  }
}

export function doubleBackprop(ctx: ScoreContext): Record<string, Float32Array> {
  const { network, batch } = ctx
  const names = [...network.trainable.keys()]
  const vars = names.map((n) => network.param(n))
  const g = lossGradients(ctx)
  const out = tf.tidy(() => {
    const x = tf.tensor(batch!.x, [batch!.count, ...network.spec.input])
    const y = tf.oneHot(tf.tensor1d(batch!.y, 'int32'), ctx.numClasses!)
    const gConst = names.map((n, i) => tf.tensor(g[n]!, vars[i]!.shape))
    const { grads } = tf.variableGrads(() => {
      const inner = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, network.forward(x, true).logits) as tf.Scalar, vars).grads
      return tf.addN(vars.map((v, i) => tf.sum(tf.mul(inner[v.name]!, gConst[i]!)))) as tf.Scalar
    }, vars)
    return names.map((_, i) => grads[vars[i]!.name]!.dataSync() as Float32Array)
  })
  network.discardBatchStats()
  return Object.fromEntries(names.map((n, i) => [n, out[i]!]))
}

export function finiteDifference(ctx: ScoreContext, epsScale = 1): Record<string, Float32Array> {
  const { network } = ctx
  const names = [...network.trainable.keys()]
  const g = lossGradients(ctx)
  const theta = Object.fromEntries(names.map((n) => [n, Float32Array.from(network.param(n).dataSync() as Float32Array)]))
  const norm = (vs: Float32Array[]) => Math.sqrt(vs.reduce((s, v) => s + v.reduce((a, b) => a + b * b, 0), 0))
  const gNorm = norm(Object.values(g))
  if (gNorm === 0) return Object.fromEntries(names.map((n) => [n, new Float32Array(theta[n]!.length)]))
  const eps = (epsScale * 3e-3 * (1 + norm(Object.values(theta)))) / gNorm
  const at = (sign: number) => {
    for (const n of names) {
      const v = network.param(n)
      tf.tidy(() =>
        v.assign(
          tf.tensor(
            theta[n]!.map((t, i) => t + sign * eps * g[n]![i]!),
            v.shape,
          ),
        ),
      )
    }
    return lossGradients(ctx)
  }
  const plus = at(1)
  const minus = at(-1)
  for (const n of names) {
    const v = network.param(n)
    tf.tidy(() => v.assign(tf.tensor(theta[n]!, v.shape)))
  }
  return Object.fromEntries(names.map((n) => [n, plus[n]!.map((p, i) => (p - minus[n]![i]!) / (2 * eps))]))
}
