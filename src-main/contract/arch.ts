/**
 * Architecture specs as plain JSON (SPEC §4): what pruning edits, the FLOPs counter reads and the
 * architecture diff draws, and the per-layer costs of a spec. Types only; the functions that
 * build and read specs live in core (models, spec, shapes, flops).
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
  /** a bias without BN; absent: a bias exactly when there is no BN (the PreResNet stem has neither, as the reference's bias=False) */
  bias?: boolean
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
  /**
   * The block-input channels its BN1 → ReLU → conv1 read, ascending (the EB code's
   * `channel_selection` after bn1): set when block-input channels are prunable, and then a channel
   * group; absent: every input channel, not prunable. The residual stream itself keeps its width.
   */
  select?: number[]
}

/** BN → ReLU on the residual stream (the end of a pre-activation network). */
export interface BnReluSpec {
  kind: 'bnrelu'
  name: string
  /** the stream channels it passes on to the classifier (the reference's final channel_selection); absent: all */
  select?: number[]
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
  /** 'in': a selection of residual-stream channels read by a pre-activation block (or the final BN) */
  field: 'out' | 'units' | 'mid' | 'c1' | 'c2' | 'in'
  width: number
}

export interface LayerCost {
  name: string
  kind: string
  output: number[]
  macs: number
  flops: number
  params: number
  /** prunable widths of the layer, e.g. { out: 64 } or { mid: 16 } */
  channels: Record<string, number>
}

export interface CostSummary {
  layers: LayerCost[]
  macs: number
  flops: number
  params: number
}
