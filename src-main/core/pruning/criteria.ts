/**
 * Channel scores of the static criteria (SPEC §3): |γ|, filter L1/L2, Σ|θ·g| (loss
 * preservation, SNIP-like), Σ θ·(Hg) (GraSP), random. Low score = pruned first.
 */
import { createRng } from '../random'
import type { Network } from '../network'
import type { ChannelGroup } from '../../contract/arch'
import { producerWeight } from './producers'
import type { ScoreContext } from './types'
import { hessianGradient } from './hessian'
import { lossGradients } from './gradients'

type Scores = Record<string, Float32Array>

export function gammaAbs(network: Network, group: ChannelGroup): Float32Array {
  return (network.param(`${group.id}.gamma`).dataSync() as Float32Array).map(Math.abs)
}

/** Σ over each output channel (last axis) of f(values). */
function perChannel(values: Float32Array, channels: number, f: (v: number, i: number) => number): Float32Array {
  const out = new Float32Array(channels)
  for (let i = 0; i < values.length; i++) out[i % channels]! += f(values[i]!, i)
  return out
}

export function staticScores(criterion: string, ctx: ScoreContext): { scores: Scores; notes: string[] } {
  const { network, groups } = ctx
  const weights = (g: ChannelGroup) => network.param(producerWeight(g)).dataSync() as Float32Array
  const scores: Scores = {}
  const notes: string[] = []
  switch (criterion) {
    case 'bn-slimming':
      for (const g of groups) scores[g.id] = gammaAbs(network, g)
      break
    case 'l1':
      for (const g of groups) scores[g.id] = perChannel(weights(g), g.width, Math.abs)
      break
    case 'l2':
      for (const g of groups) scores[g.id] = perChannel(weights(g), g.width, (v) => v * v).map(Math.sqrt)
      break
    case 'random': {
      const rng = createRng(ctx.seed ^ 0xabcd)
      for (const g of groups) scores[g.id] = Float32Array.from({ length: g.width }, () => rng.next())
      break
    }
    case 'loss-preservation': {
      const grads = lossGradients(ctx)
      for (const g of groups) {
        const theta = weights(g)
        const grad = grads[producerWeight(g)]!
        scores[g.id] = perChannel(theta, g.width, (v, i) => Math.abs(v * grad[i]!))
      }
      break
    }
    case 'grasp': {
      const { hg, method, note } = hessianGradient(ctx)
      notes.push(`GraSP Hessian-gradient product by ${method}${note ? `: ${note}` : ''}`)
      for (const g of groups) {
        const theta = weights(g)
        const h = hg[producerWeight(g)]!
        scores[g.id] = perChannel(theta, g.width, (v, i) => v * h[i]!)
      }
      break
    }
    default:
      throw new Error(`unknown criterion '${criterion}'`)
  }
  return { scores, notes }
}
