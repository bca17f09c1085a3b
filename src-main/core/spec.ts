/**
 * Architecture specs: plain JSON that pruning edits, the FLOPs counter reads and the
 * architecture diff draws. A network is built from a spec; nothing else describes its shape.
 * Tensors are NHWC; the classifier (dense with bias) after the last layer is implied by `classes`.
 */

export interface ConvSpec {
  kind: 'conv'
  name: string
  out: number
  kernel: number
  stride: number
  /** symmetric zero padding, PyTorch style */
  pad: number
  /** BatchNorm after the conv (then the conv has no bias) */
  bn: boolean
  relu: boolean
}

export interface DenseSpec {
  kind: 'dense'
  name: string
  units: number
  bn: boolean
  relu: boolean
}

export interface PoolSpec {
  kind: 'maxpool' | 'avgpool'
  name: string
  size: number
  stride: number
}

export interface ReshapeSpec {
  /** gap: global average pool over H, W; flatten: NHWC → N × (H·W·C) */
  kind: 'gap' | 'flatten'
  name: string
}

/** CIFAR ResNet basic block: conv3×3(stride)·mid → BN → ReLU → conv3×3·out → BN, + shortcut, ReLU.
 * The shortcut is the identity, or option A (stride-2 subsampling and zero-padded channels). */
export interface BasicBlockSpec {
  kind: 'basic'
  name: string
  mid: number
  out: number
  stride: number
}

/** Pre-activation bottleneck (EB PreResNet): BN → ReLU → conv1×1·c1 → BN → ReLU →
 * conv3×3(stride)·c2 → BN → ReLU → conv1×1·out, + shortcut (1×1 conv when the shape changes). */
export interface BottleneckSpec {
  kind: 'bottleneck'
  name: string
  c1: number
  c2: number
  out: number
  stride: number
}

/** BN → ReLU on the residual stream (the end of a pre-activation network). */
export interface BnReluSpec {
  kind: 'bnrelu'
  name: string
}

export type LayerSpec = ConvSpec | DenseSpec | PoolSpec | ReshapeSpec | BasicBlockSpec | BottleneckSpec | BnReluSpec

export type ModelFamily = 'mlp' | 'cnn' | 'vgg' | 'resnet' | 'preresnet'

export interface ArchSpec {
  family: ModelFamily
  /** e.g. 'vgg16', 'resnet56', 'mlp' */
  name: string
  /** input shape without the batch dimension: [features] or [H, W, C] */
  input: number[]
  classes: number
  layers: LayerSpec[]
}

/**
 * A prunable set of channels: produced by one layer, normalised by one BN (whose γ and codes the
 * criteria read), consumed by the next layer. Residual-stream channels are never a group, so
 * pruning keeps residual widths consistent.
 */
export interface ChannelGroup {
  /** unique id, also the BN parameter prefix, e.g. 'conv3.bn', 'layer2.1.bn1' */
  id: string
  layer: string
  field: 'out' | 'units' | 'mid' | 'c1' | 'c2'
  width: number
}

export function channelGroups(spec: ArchSpec): ChannelGroup[] {
  const groups: ChannelGroup[] = []
  for (const l of spec.layers) {
    if (l.kind === 'conv' && l.bn) groups.push({ id: `${l.name}.bn`, layer: l.name, field: 'out', width: l.out })
    else if (l.kind === 'dense' && l.bn) groups.push({ id: `${l.name}.bn`, layer: l.name, field: 'units', width: l.units })
    else if (l.kind === 'basic') groups.push({ id: `${l.name}.bn1`, layer: l.name, field: 'mid', width: l.mid })
    else if (l.kind === 'bottleneck') {
      groups.push({ id: `${l.name}.bn2`, layer: l.name, field: 'c1', width: l.c1 })
      groups.push({ id: `${l.name}.bn3`, layer: l.name, field: 'c2', width: l.c2 })
    }
  }
  // In pre-activation nets the stem conv feeds the residual stream: not prunable.
  return spec.family === 'preresnet' || spec.family === 'resnet' ? groups.filter((g) => g.field !== 'out') : groups
}

/** Returns a copy of `spec` with the given group widths. */
export function withWidths(spec: ArchSpec, widths: Record<string, number>): ArchSpec {
  const copy = structuredClone(spec)
  for (const g of channelGroups(spec)) {
    const w = widths[g.id]
    if (w === undefined) continue
    if (!Number.isInteger(w) || w < 1) throw new Error(`group ${g.id}: width must be a positive integer, got ${w}`)
    const layer = copy.layers.find((l) => l.name === g.layer) as unknown as Record<string, number>
    layer[g.field] = w
  }
  return copy
}

export function groupWidths(spec: ArchSpec): Record<string, number> {
  return Object.fromEntries(channelGroups(spec).map((g) => [g.id, g.width]))
}
