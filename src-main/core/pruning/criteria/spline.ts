/**
 * The spline criterion (SPEC §3, our definition): for a group with channel codes Q ∈ {0,1}^{C×M},
 * node distance N(k,k') = min(h, 1−h) with h the normalized Hamming distance of rows k and k' (a
 * complemented code is the same boundary); redundancy r_k = min over remaining k' ≠ k of N;
 * score s_k = P·rank(r_k) + (1−P)·rank(|γ_k|), ranks normalized to [0,1] within the group
 * (layerwise) or over all groups (global). Channels are removed one at a time and r is
 * recomputed after each removal, so of a group of near-identical boundaries one survives.
 */
import type { LayerCode } from '../../splineCodes'
import { popcount32 } from '../../splineCodes'
import type { Criterion, Scope, Selection } from '../types'
import { normalizedRanks } from '../select'
import { gammaAbs } from '../scores'

export const criterion: Criterion = {
  id: 'spline',
  kind: 'selects',
  select(ctx, ratio, scope) {
    const codes = ctx.codes
    if (!codes) throw new Error('the spline criterion needs the ticket’s spline codes')
    const input = ctx.groups.map((g) => {
      const code = codes.get(g.id)
      if (!code) throw new Error(`no spline code recorded for ${g.id}`)
      return { id: g.id, code, gammaAbs: gammaAbs(ctx.network, g) }
    })
    const { selection, scores } = splineSelect(input, ratio, scope, ctx.P)
    return { selection, scores, notes: [`spline criterion, P = ${ctx.P}`] }
  },
}

/** Pairwise node distances N(k,k') of a channel-major code (C × C, row-major). */
export function nodeDistances(code: LayerCode): Float64Array {
  const C = code.channels ?? 1
  const per = code.bits / C
  if (!Number.isInteger(per)) throw new Error(`code of ${code.bits} bits is not ${C} equal channel rows`)
  const rows = Array.from({ length: C }, (_, c) => rowWords(code.words, c * per, per))
  const d = new Float64Array(C * C)
  for (let a = 0; a < C; a++) {
    for (let b = a + 1; b < C; b++) {
      let diff = 0
      const ra = rows[a]!
      const rb = rows[b]!
      for (let w = 0; w < ra.length; w++) diff += popcount32((ra[w]! ^ rb[w]!) >>> 0)
      const h = diff / per
      d[a * C + b] = d[b * C + a] = Math.min(h, 1 - h)
    }
  }
  return d
}

/** Extracts bits [start, start+len) into fresh aligned words (the tail word zero-padded). */
function rowWords(words: Uint32Array, start: number, len: number): Uint32Array {
  const out = new Uint32Array((len + 31) >>> 5)
  for (let i = 0; i < len; i++) {
    const bit = start + i
    if ((words[bit >>> 5]! >>> (bit & 31)) & 1) out[i >>> 5]! |= 1 << (i & 31)
  }
  return out
}

interface GroupState {
  id: string
  d: Float64Array
  C: number
  gamma: Float32Array
  alive: Set<number>
  target: number
}

function redundancy(g: GroupState, k: number): number {
  let r = Infinity
  for (const j of g.alive) if (j !== k) r = Math.min(r, g.d[k * g.C + j]!)
  return r === Infinity ? 1 : r
}

/**
 * Iterative spline selection. `groups` carry codes and |γ|; returns kept indices per group and
 * the initial scores. Global scope ranks r and |γ| over all alive channels of all groups.
 */
export function splineSelect(
  groups: { id: string; code: LayerCode; gammaAbs: Float32Array }[],
  ratio: number,
  scope: Scope,
  P: number,
): { selection: Selection; scores: Record<string, number[]> } {
  if (!(P >= 0 && P <= 1)) throw new Error(`P must be in [0, 1], got ${P}`)
  const states: GroupState[] = groups.map((g) => {
    const C = g.gammaAbs.length
    if ((g.code.channels ?? C) !== C) throw new Error(`group ${g.id}: code has ${g.code.channels} channels, γ has ${C}`)
    return { id: g.id, d: nodeDistances({ ...g.code, channels: C }), C, gamma: g.gammaAbs, alive: new Set(Array.from({ length: C }, (_, i) => i)), target: 0 }
  })
  const total = states.reduce((s, g) => s + g.C, 0)
  for (const g of states) g.target = Math.min(g.C - 1, Math.round(ratio * g.C))
  let globalLeft = Math.round(ratio * total)
  const initial: Record<string, number[]> = {}
  const pools = scope === 'layerwise' ? states.map((g) => [g]) : [states]
  for (const pool of pools) {
    let first = true
    for (;;) {
      const cands: { g: GroupState; k: number; r: number; gamma: number }[] = []
      for (const g of pool) {
        const removable = scope === 'layerwise' ? g.C - g.alive.size < g.target : g.alive.size > 1
        if (!removable && !first) continue
        for (const k of g.alive) cands.push({ g, k, r: redundancy(g, k), gamma: g.gamma[k]! })
      }
      if (cands.length === 0) break
      const rr = normalizedRanks(cands.map((c) => c.r))
      const rg = normalizedRanks(cands.map((c) => c.gamma))
      const score = cands.map((_, i) => P * rr[i]! + (1 - P) * rg[i]!)
      if (first) {
        for (const g of pool) initial[g.id] = new Array(g.C).fill(0)
        cands.forEach((c, i) => (initial[c.g.id]![c.k] = score[i]!))
        first = false
      }
      const eligible = cands
        .map((c, i) => ({ c, s: score[i]! }))
        .filter(({ c }) => (scope === 'layerwise' ? c.g.C - c.g.alive.size < c.g.target : c.g.alive.size > 1))
      if (eligible.length === 0 || (scope === 'global' && globalLeft === 0)) break
      // lowest score first; ties: the higher channel index goes, so lower indices survive
      eligible.sort((a, b) => a.s - b.s || b.c.k - a.c.k)
      const victim = eligible[0]!.c
      victim.g.alive.delete(victim.k)
      if (scope === 'global') globalLeft--
    }
  }
  const selection: Selection = {}
  for (const g of states) selection[g.id] = [...g.alive].sort((a, b) => a - b)
  return { selection, scores: initial }
}
