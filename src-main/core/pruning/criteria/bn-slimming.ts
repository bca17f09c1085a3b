/** Network slimming: a channel is worth its BN scale |γ|. */
import { gammaAbs } from '../scores'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'bn-slimming',
  kind: 'scores',
  score({ network, groups }) {
    const scores: Scores = {}
    for (const g of groups) scores[g.id] = gammaAbs(network, g)
    return { scores, notes: [] }
  },
}
