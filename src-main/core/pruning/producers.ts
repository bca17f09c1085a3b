/**
 * Where a channel group's parameters live: the weight producing it (output channel on its last
 * axis), its BN, and the weights consuming it. Surgery and the magnitude/gradient criteria both
 * read this one map.
 */
import type { ArchSpec, ChannelGroup } from '../../contract/arch'

/** The weight whose output channels are the group's; null for a block-input selection (the residual stream has many producers). */
export function producerWeight(group: ChannelGroup): string | null {
  switch (group.field) {
    case 'in':
      return null
    case 'out':
    case 'units':
      return `${group.layer}.weight`
    case 'mid':
    case 'c1':
      return `${group.layer}.conv1.weight`
    case 'c2':
      return `${group.layer}.conv2.weight`
  }
}

export function bnParams(groupId: string): string[] {
  return ['gamma', 'beta', 'runningMean', 'runningVar'].map((p) => `${groupId}.${p}`)
}

export interface Consumer {
  weight: string
  /** axis holding the input channels */
  axis: number
  /** >1 when a flatten sits between producer and consumer: row r belongs to channel r mod C */
  spatial: number
}

/** The weights that read a group's channels. */
export function consumers(spec: ArchSpec, group: ChannelGroup, spatialAfter: (layer: string) => number): Consumer[] {
  if (group.field === 'mid' || group.field === 'c1') return [{ weight: `${group.layer}.conv2.weight`, axis: 2, spatial: 1 }]
  if (group.field === 'c2') return [{ weight: `${group.layer}.conv3.weight`, axis: 2, spatial: 1 }]
  if (group.field === 'in') {
    const layer = spec.layers.find((l) => l.name === group.layer)
    return layer?.kind === 'bottleneck'
      ? [{ weight: `${group.layer}.conv1.weight`, axis: 2, spatial: 1 }]
      : [{ weight: 'classifier.weight', axis: 0, spatial: 1 }]
  }
  // plain nets: the next layer with weights, through pools, gap and flatten
  const i = spec.layers.findIndex((l) => l.name === group.layer)
  let spatial = 1
  for (const l of spec.layers.slice(i + 1)) {
    if (l.kind === 'conv') return [{ weight: `${l.name}.weight`, axis: 2, spatial: 1 }]
    if (l.kind === 'dense') return [{ weight: `${l.name}.weight`, axis: 0, spatial }]
    if (l.kind === 'flatten') spatial = spatialAfter(l.name)
    if (l.kind === 'gap') spatial = 1
    if (l.kind === 'basic' || l.kind === 'bottleneck' || l.kind === 'bnrelu') {
      throw new Error(`group ${group.id} feeds a residual stream (${l.name}); it cannot be pruned`)
    }
  }
  return [{ weight: 'classifier.weight', axis: 0, spatial }]
}
