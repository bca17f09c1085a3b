/**
 * Architecture specs: plain JSON that pruning edits, the FLOPs counter reads and the
 * architecture diff draws. A network is built from a spec; nothing else describes its shape.
 */
export interface DenseBlockSpec {
  kind: 'dense'
  name: string
  units: number
  /** BatchNorm between the affine map and the ReLU; its output is the spline code source */
  bn: boolean
  relu: boolean
}

export type LayerSpec = DenseBlockSpec

export interface ArchSpec {
  family: 'mlp'
  /** input shape without the batch dimension */
  input: number[]
  classes: number
  /** hidden layers in order; the classifier (dense, no BN/ReLU) is implied by `classes` */
  layers: LayerSpec[]
}

export function mlpSpec(inputDim: number, hidden: number[], classes: number): ArchSpec {
  return {
    family: 'mlp',
    input: [inputDim],
    classes,
    layers: hidden.map((units, i) => ({ kind: 'dense', name: `fc${i + 1}`, units, bn: true, relu: true })),
  }
}

/** Names of the layers whose pre-activations are recorded as spline codes. */
export function codeLayerNames(spec: ArchSpec): string[] {
  return spec.layers.filter((l) => l.relu).map((l) => l.name)
}
