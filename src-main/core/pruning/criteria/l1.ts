/** ‖W_k‖₁ of the filter producing channel k. */
import { perChannel, producerValues } from '../scores'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'l1',
  kind: 'scores',
  score({ network, groups }) {
    const scores: Scores = {}
    for (const g of groups) scores[g.id] = perChannel(producerValues(network, g, 'l1'), g.width, Math.abs)
    return { scores, notes: [] }
  },
}
