/** Seeded uniform scores: the baseline every criterion has to beat. */
import { createRng } from '../../random'
import type { Criterion, Scores } from '../types'

export const criterion: Criterion = {
  id: 'random',
  kind: 'scores',
  score({ groups, seed }) {
    const rng = createRng(seed ^ 0xabcd)
    const scores: Scores = {}
    for (const g of groups) scores[g.id] = Float32Array.from({ length: g.width }, () => rng.next())
    return { scores, notes: [] }
  },
}
