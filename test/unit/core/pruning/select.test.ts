import { describe, expect, it } from 'vitest'
import { selectByScores, normalizedRanks } from '../../../../src-main/core/pruning/select'

describe('selection', () => {
  it('layerwise removes round(ratio·width) lowest per group and keeps at least one', () => {
    const sel = selectByScores({ a: [5, 1, 3, 2], b: [0.1] }, 0.5, 'layerwise')
    expect(sel.a).toEqual([0, 2])
    expect(sel.b).toEqual([0])
  })

  it('global thresholds over all groups but never empties a group', () => {
    const sel = selectByScores({ a: [0.1, 0.2, 0.3], b: [5, 6, 7, 8] }, 0.5, 'global')
    // 3.5 → 4 channels go: a keeps its best one, then b loses its lowest
    expect(sel.a).toEqual([2])
    expect(sel.b).toEqual([2, 3])
  })

  it('normalized ranks share ties', () => {
    expect(normalizedRanks([3, 1, 2])).toEqual([1, 0, 0.5])
    expect(normalizedRanks([1, 1, 2])).toEqual([0.25, 0.25, 1])
  })
})
