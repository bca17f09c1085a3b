/**
 * Architecture diff rows: per layer, the prunable widths, params and MACs before and after
 * pruning, from the two cost summaries (core/flops.ts) that `runs.get` returns. Works for every
 * family because it reads only layer names and the `channels` map each cost row carries.
 * Pure; shared by the renderer's diff view and the reports.
 */
import type { CostSummary, PruningInfo } from '../contract/api'

export interface ArchDiffRow {
  name: string
  kind: string
  /** e.g. "out", "mid", "c1"; one entry per prunable width of the layer */
  widths: { field: string; before: number; after: number }[]
  paramsBefore: number
  paramsAfter: number
  macsBefore: number
  macsAfter: number
  flopsBefore: number
  flopsAfter: number
  /** true when any width changed */
  pruned: boolean
}

export interface ArchDiff {
  rows: ArchDiffRow[]
  totals: { paramsBefore: number; paramsAfter: number; macsBefore: number; macsAfter: number; flopsBefore: number; flopsAfter: number }
  /** after / before */
  ratios: { params: number; macs: number; flops: number }
  /** channels removed over all prunable groups */
  channels: { before: number; after: number }
}

/** `after` may be null (a dense run): the diff is then the identity. */
export function archDiff(before: CostSummary, after: CostSummary | null, pruning?: PruningInfo | null): ArchDiff {
  const a = after ?? before
  const byName = new Map(a.layers.map((l) => [l.name, l]))
  const rows: ArchDiffRow[] = before.layers.map((b) => {
    const n = byName.get(b.name) ?? b
    const widths = Object.entries(b.channels).map(([field, w]) => ({ field, before: w, after: n.channels[field] ?? w }))
    return {
      name: b.name,
      kind: b.kind,
      widths,
      paramsBefore: b.params,
      paramsAfter: n.params,
      macsBefore: b.macs,
      macsAfter: n.macs,
      flopsBefore: b.flops,
      flopsAfter: n.flops,
      pruned: widths.some((w) => w.after !== w.before),
    }
  })
  const totals = {
    paramsBefore: before.params,
    paramsAfter: a.params,
    macsBefore: before.macs,
    macsAfter: a.macs,
    flopsBefore: before.flops,
    flopsAfter: a.flops,
  }
  let chBefore = 0
  let chAfter = 0
  for (const [group, kept] of Object.entries(pruning?.kept ?? {})) {
    const w = groupWidth(rows, group)
    if (w == null) continue
    chBefore += w
    chAfter += kept.length
  }
  return {
    rows,
    totals,
    ratios: {
      params: totals.paramsBefore ? totals.paramsAfter / totals.paramsBefore : 1,
      macs: totals.macsBefore ? totals.macsAfter / totals.macsBefore : 1,
      flops: totals.flopsBefore ? totals.flopsAfter / totals.flopsBefore : 1,
    },
    channels: { before: chBefore, after: chAfter },
  }
}

/** A group id is its BN's id (spec.ts `channelGroups`): `<layer>.bn`, or bn1 / bn2 / bn3 inside blocks. */
function groupWidth(rows: ArchDiffRow[], group: string): number | null {
  const m = /^(.*)\.(bn|bn1|bn2|bn3)$/.exec(group)
  if (!m) return null
  const row = rows.find((r) => r.name === m[1])
  if (!row) return null
  // bn: a conv/dense's own channels, or the final BN's selection; bn1: a basic block's mid, or a bottleneck's input selection
  const fields = m[2] === 'bn' ? ['out', 'units', 'in'] : m[2] === 'bn1' ? ['mid', 'in'] : m[2] === 'bn2' ? ['c1'] : ['c2']
  return row.widths.find((w) => fields.includes(w.field))?.before ?? null
}

/** one label per width, e.g. "64 → 32" or "c1 16 → 8 · c2 16 → 9" */
export function widthLabel(row: ArchDiffRow): string {
  if (!row.widths.length) return '–'
  const one = (w: ArchDiffRow['widths'][number]) => (w.before === w.after ? `${w.before}` : `${w.before} → ${w.after}`)
  if (row.widths.length === 1) return one(row.widths[0]!)
  return row.widths.map((w) => `${w.field} ${one(w)}`).join(' · ')
}
