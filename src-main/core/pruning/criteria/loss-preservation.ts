/** Σ|θ·g| over the filter producing each channel, g = ∇L on a fixed training batch (SNIP-like). */
import { lossGradients } from '../gradients'
import { producerWeight } from '../producers'
import { perChannel, producerValues } from '../scores'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'loss-preservation',
  kind: 'scores',
  score(ctx) {
    const grads = lossGradients(ctx)
    const scores: Scores = {}
    for (const g of ctx.groups) {
      const grad = grads[producerWeight(g)]!
      scores[g.id] = perChannel(producerValues(ctx.network, g), g.width, (v, i) => Math.abs(v * grad[i]!))
    }
    return { scores, notes: [] }
  },
}
