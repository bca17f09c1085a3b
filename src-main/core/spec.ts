/**
 * Reading and editing architecture specs (contract/arch.ts): the prunable channel groups and
 * copies with other widths. A network is built from a spec; nothing else describes its shape.
 */
import type { ArchSpec, ChannelGroup, ConvSpec } from '../contract/arch'

/** A conv has a bias when its spec says so, else exactly when no BN follows it. */
export const convHasBias = (l: Pick<ConvSpec, 'bn' | 'bias'>): boolean => l.bias ?? !l.bn

export function channelGroups(spec: ArchSpec): ChannelGroup[] {
  const groups: ChannelGroup[] = []
  for (const l of spec.layers) {
    if (l.kind === 'conv' && l.bn) groups.push({ id: `${l.name}.bn`, layer: l.name, field: 'out', width: l.out })
    else if (l.kind === 'dense' && l.bn) groups.push({ id: `${l.name}.bn`, layer: l.name, field: 'units', width: l.units })
    else if (l.kind === 'basic') groups.push({ id: `${l.name}.bn1`, layer: l.name, field: 'mid', width: l.mid })
    else if (l.kind === 'bottleneck') {
      if (l.select) groups.push({ id: `${l.name}.bn1`, layer: l.name, field: 'in', width: l.select.length })
      groups.push({ id: `${l.name}.bn2`, layer: l.name, field: 'c1', width: l.c1 })
      groups.push({ id: `${l.name}.bn3`, layer: l.name, field: 'c2', width: l.c2 })
    } else if (l.kind === 'bnrelu' && l.select) groups.push({ id: `${l.name}.bn`, layer: l.name, field: 'in', width: l.select.length })
  }
  // In pre-activation nets the stem conv feeds the residual stream: not prunable.
  return spec.family === 'preresnet' || spec.family === 'resnet' ? groups.filter((g) => g.field !== 'out') : groups
}

/**
 * Returns a copy of `spec` with the given group widths. A block-input selection ('in') keeps its
 * first `w` channels: the costs are those of any `w` of them (surgery names the kept ones, `withKept`).
 */
export function withWidths(spec: ArchSpec, widths: Record<string, number>): ArchSpec {
  return edit(spec, widths, (select, w) => select.slice(0, w))
}

/** Returns a copy of `spec` keeping the given channels (indices into each group's current channels). */
export function withKept(spec: ArchSpec, kept: Record<string, number[]>): ArchSpec {
  const widths = Object.fromEntries(Object.entries(kept).map(([id, k]) => [id, k.length]))
  return edit(spec, widths, (select, _w, id) => kept[id]!.map((k) => select[k]!))
}

function edit(spec: ArchSpec, widths: Record<string, number>, pick: (select: number[], w: number, id: string) => number[]): ArchSpec {
  const copy = structuredClone(spec)
  for (const g of channelGroups(spec)) {
    const w = widths[g.id]
    if (w === undefined) continue
    if (!Number.isInteger(w) || w < 1) throw new Error(`group ${g.id}: width must be a positive integer, got ${w}`)
    const layer = copy.layers.find((l) => l.name === g.layer)!
    if (g.field === 'in') {
      const sel = layer as { select?: number[] }
      sel.select = pick(sel.select!, w, g.id)
    } else (layer as unknown as Record<string, number>)[g.field] = w
  }
  return copy
}

export function groupWidths(spec: ArchSpec): Record<string, number> {
  return Object.fromEntries(channelGroups(spec).map((g) => [g.id, g.width]))
}
