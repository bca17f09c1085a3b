/**
 * Shared selection: given per-channel scores, remove round(ratio·width) channels per group
 * (layerwise) or the lowest round(ratio·total) over all groups (global), always keeping at least
 * `floor(width)` channels per group (one by default): a group at its floor is skipped, so its
 * highest-scoring channels survive. Ties break towards the lower channel index being kept.
 */
import type { Scope, Selection } from './types'

export type Floor = (width: number) => number
const ONE: Floor = () => 1

export function selectByScores(scores: Record<string, Float32Array | number[]>, ratio: number, scope: Scope, floor: Floor = ONE): Selection {
  if (!(ratio >= 0 && ratio < 1)) throw new Error(`pruning ratio must be in [0, 1), got ${ratio}`)
  const removed: Record<string, Set<number>> = {}
  for (const id of Object.keys(scores)) removed[id] = new Set()
  const keep = (width: number) => Math.max(1, Math.min(width, floor(width)))
  if (scope === 'layerwise') {
    for (const [id, s] of Object.entries(scores)) {
      const n = Math.min(s.length - keep(s.length), Math.round(ratio * s.length))
      const order = argsort(s)
      for (let i = 0; i < n; i++) removed[id]!.add(order[i]!)
    }
  } else {
    const all: { id: string; k: number; s: number }[] = []
    for (const [id, s] of Object.entries(scores)) for (let k = 0; k < s.length; k++) all.push({ id, k, s: s[k]! })
    all.sort((a, b) => a.s - b.s || b.k - a.k)
    let toRemove = Math.round(ratio * all.length)
    for (const c of all) {
      if (toRemove === 0) break
      const width = scores[c.id]!.length
      if (removed[c.id]!.size >= width - keep(width)) continue
      removed[c.id]!.add(c.k)
      toRemove--
    }
  }
  const selection: Selection = {}
  for (const [id, s] of Object.entries(scores)) {
    selection[id] = Array.from({ length: s.length }, (_, k) => k).filter((k) => !removed[id]!.has(k))
  }
  return selection
}

/** Indices sorted by ascending score; ties by descending index (so lower indices survive). */
export function argsort(s: ArrayLike<number>): number[] {
  return Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[a]! - s[b]! || b - a)
}

/** Ranks normalized to [0, 1] (0 = smallest); equal values share their mean rank. */
export function normalizedRanks(values: ArrayLike<number>): number[] {
  const n = values.length
  if (n === 1) return [0]
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!)
  const ranks = new Array<number>(n)
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++
    const r = (i + j) / 2 / (n - 1)
    for (let t = i; t <= j; t++) ranks[order[t]!] = r
    i = j + 1
  }
  return ranks
}
