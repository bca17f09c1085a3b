/** ‖W_k‖₂ of the filter producing channel k. */
import { perChannel, producerValues } from '../scores'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'l2',
  kind: 'scores',
  score({ network, groups }) {
    const scores: Scores = {}
    for (const g of groups) scores[g.id] = perChannel(producerValues(network, g, 'l2'), g.width, (v) => v * v).map(Math.sqrt)
    return { scores, notes: [] }
  },
}
