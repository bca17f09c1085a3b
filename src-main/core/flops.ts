/**
 * Per-layer and total cost of a spec, per image:
 * - macs: multiply-accumulates of conv and dense layers;
 * - flops: the EB reference convention (reference/algorithms.md §4.4): conv (k²·Cin·2 + bias)·Cout·H·W,
 *   dense 2·weights + bias, BN 2·numel, ReLU numel, pooling k²·numel(out), residual adds not counted;
 * - params: trainable scalars (weights, biases, BN γ/β).
 * Training FLOPs = Σ phases 3 × forward flops × training images × epochs.
 */
import type { ArchSpec, CostSummary, LayerCost } from '../contract/arch'
import { inferShapes, convOut, hasProjection } from './shapes'
import { convHasBias } from './spec'

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1)

interface Acc {
  macs: number
  flops: number
  params: number
}

/** conv with optional BN and ReLU after it; returns the output H, W. */
function conv(
  acc: Acc,
  [h, w, cin]: [number, number, number],
  cout: number,
  k: number,
  stride: number,
  pad: number,
  bn: boolean,
  relu: boolean,
  hasBias = !bn,
): [number, number, number] {
  const ho = convOut(h, k, stride, pad)
  const wo = convOut(w, k, stride, pad)
  const out = ho * wo * cout
  const bias = hasBias ? 1 : 0
  acc.macs += k * k * cin * out
  acc.flops += (k * k * cin * 2 + bias) * out
  acc.params += k * k * cin * cout + bias * cout
  if (bn) {
    acc.flops += 2 * out
    acc.params += 2 * cout
  }
  if (relu) acc.flops += out
  return [ho, wo, cout]
}

export function countCosts(spec: ArchSpec): CostSummary {
  const { layers: shapes, features } = inferShapes(spec)
  const layers: LayerCost[] = []
  for (const { layer, input, output } of shapes) {
    const acc: Acc = { macs: 0, flops: 0, params: 0 }
    let channels: Record<string, number> = {}
    switch (layer.kind) {
      case 'dense': {
        const fin = input[0]!
        const bias = layer.bn ? 0 : 1
        acc.macs = fin * layer.units
        acc.flops = 2 * fin * layer.units + bias * layer.units + (layer.bn ? 2 * layer.units : 0) + (layer.relu ? layer.units : 0)
        acc.params = fin * layer.units + bias * layer.units + (layer.bn ? 2 * layer.units : 0)
        channels = { units: layer.units }
        break
      }
      case 'conv':
        conv(acc, input as [number, number, number], layer.out, layer.kernel, layer.stride, layer.pad, layer.bn, layer.relu, convHasBias(layer))
        channels = { out: layer.out }
        break
      case 'maxpool':
      case 'avgpool':
        acc.flops = layer.size * layer.size * prod(output)
        break
      case 'gap':
        acc.flops = prod(input)
        break
      case 'flatten':
        break
      case 'basic': {
        const mid = conv(acc, input as [number, number, number], layer.mid, 3, layer.stride, 1, true, true)
        conv(acc, mid, layer.out, 3, 1, 1, true, false)
        acc.flops += prod(output) // the ReLU after the residual add
        channels = { mid: layer.mid, out: layer.out }
        break
      }
      case 'bottleneck': {
        const x = input as [number, number, number]
        // BN1 (2·numel) + ReLU on the block-input channels it reads (all, or its selection)
        const read: [number, number, number] = [x[0], x[1], layer.select?.length ?? x[2]]
        acc.flops += 3 * prod(read)
        acc.params += 2 * read[2]
        const a = conv(acc, read, layer.c1, 1, 1, 0, true, true)
        const b = conv(acc, a, layer.c2, 3, layer.stride, 1, true, true)
        conv(acc, b, layer.out, 1, 1, 0, false, false, false)
        if (hasProjection(layer, x[2])) conv(acc, x, layer.out, 1, layer.stride, 0, false, false, false)
        channels = { ...(layer.select ? { in: read[2] } : {}), c1: layer.c1, c2: layer.c2, out: layer.out }
        break
      }
      case 'bnrelu':
        acc.flops = 3 * prod(output)
        acc.params = 2 * output[2]!
        if (layer.select) channels = { in: output[2]! }
        break
    }
    layers.push({ name: layer.name, kind: layer.kind, output, ...acc, channels })
  }
  layers.push({
    name: 'classifier',
    kind: 'dense',
    output: [spec.classes],
    macs: features * spec.classes,
    flops: 2 * features * spec.classes + spec.classes,
    params: features * spec.classes + spec.classes,
    channels: { units: spec.classes },
  })
  return {
    layers,
    macs: layers.reduce((s, l) => s + l.macs, 0),
    flops: layers.reduce((s, l) => s + l.flops, 0),
    params: layers.reduce((s, l) => s + l.params, 0),
  }
}

/** Σ over phases of 3 × forward flops × training images × epochs. */
export function trainingFlops(phases: { flops: number; images: number; epochs: number }[]): number {
  return phases.reduce((s, p) => s + 3 * p.flops * p.images * p.epochs, 0)
}
