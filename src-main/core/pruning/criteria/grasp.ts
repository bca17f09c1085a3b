/** GraSP: Σ θ·(Hg) over the filter producing each channel (signed); notes say how Hg was computed. */
import { hessianGradient } from '../hessian'
import { producerWeight } from '../producers'
import { perChannel, producerValues } from '../scores'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'grasp',
  kind: 'scores',
  score(ctx) {
    const { hg, method, note } = hessianGradient(ctx)
    const scores: Scores = {}
    for (const g of ctx.groups) {
      const h = hg[producerWeight(g)]!
      scores[g.id] = perChannel(producerValues(ctx.network, g), g.width, (v, i) => v * h[i]!)
    }
    return { scores, notes: [`GraSP Hessian-gradient product by ${method}${note ? `: ${note}` : ''}`] }
  },
}
