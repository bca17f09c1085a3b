/**
 * Shape inference over an ArchSpec: the input and output shape (without batch) of every layer.
 * Conv output size follows PyTorch: floor((H + 2·pad − k) / stride) + 1.
 */
import type { ArchSpec, BottleneckSpec, LayerSpec } from '../contract/arch'

export interface LayerShape {
  layer: LayerSpec
  input: number[]
  output: number[]
}

export const convOut = (size: number, kernel: number, stride: number, pad: number): number => Math.floor((size + 2 * pad - kernel) / stride) + 1

export function inferShapes(spec: ArchSpec): { layers: LayerShape[]; features: number } {
  let shape = [...spec.input]
  const layers: LayerShape[] = []
  for (const layer of spec.layers) {
    const input = shape
    shape = outputShape(layer, input)
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`layer ${layer.name}: input ${fmt(input)} gives an empty output ${fmt(shape)}`)
    }
    layers.push({ layer, input, output: shape })
  }
  if (shape.length !== 1) throw new Error(`the classifier needs a flat input, got ${fmt(shape)} (add 'flatten' or 'gap')`)
  return { layers, features: shape[0]! }
}

function outputShape(layer: LayerSpec, input: number[]): number[] {
  const spatial = () => {
    if (input.length !== 3) throw new Error(`layer ${layer.name} (${layer.kind}) needs an H×W×C input, got ${fmt(input)}`)
    return input as [number, number, number]
  }
  switch (layer.kind) {
    case 'dense':
      if (input.length !== 1) throw new Error(`layer ${layer.name} (dense) needs a flat input, got ${fmt(input)}`)
      return [layer.units]
    case 'conv': {
      const [h, w] = spatial()
      return [convOut(h, layer.kernel, layer.stride, layer.pad), convOut(w, layer.kernel, layer.stride, layer.pad), layer.out]
    }
    case 'maxpool':
    case 'avgpool': {
      const [h, w, c] = spatial()
      return [convOut(h, layer.size, layer.stride, 0), convOut(w, layer.size, layer.stride, 0), c]
    }
    case 'gap':
      return [spatial()[2]]
    case 'flatten':
      return [input.reduce((a, b) => a * b, 1)]
    case 'basic': {
      const [h, w] = spatial()
      return [convOut(h, 3, layer.stride, 1), convOut(w, 3, layer.stride, 1), layer.out]
    }
    case 'bottleneck': {
      const [h, w] = spatial()
      return [convOut(h, 3, layer.stride, 1), convOut(w, 3, layer.stride, 1), layer.out]
    }
    case 'bnrelu': {
      const [h, w, c] = spatial()
      return [h, w, layer.select?.length ?? c]
    }
  }
}

const fmt = (s: number[]) => `[${s.join('×')}]`

/** A bottleneck's shortcut is a strided 1×1 conv when the residual shape changes. */
export const hasProjection = (b: BottleneckSpec, inChannels: number): boolean => b.stride !== 1 || inChannels !== b.out
