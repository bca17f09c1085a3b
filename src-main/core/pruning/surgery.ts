/**
 * Channel surgery: builds the smaller network of a selection and copies the kept weights — the
 * producer's output channels, the BN's γ/β/running statistics, the consumer's input channels
 * (through pools, gap and flatten) — into it. Residual-stream widths are never touched: a
 * PreResNet block-input group only narrows what its BN1 and conv1 read (channel_selection).
 */
import * as tf from '@tensorflow/tfjs'
import { Network } from '../network'
import { channelGroups, withKept } from '../spec'
import type { ArchSpec } from '../../contract/arch'
import { inferShapes } from '../shapes'
import { bnParams, consumers, producerWeight } from './producers'
import type { Selection } from './types'

type Gathers = Map<string, { axis: number; idx: number[] }[]>

export function prunedSpec(spec: ArchSpec, selection: Selection): ArchSpec {
  const kept: Selection = {}
  for (const g of channelGroups(spec)) {
    const keep = selection[g.id]
    if (!keep) continue
    if (keep.length < 1) throw new Error(`group ${g.id}: at least one channel must be kept`)
    if (keep.some((k, i) => !Number.isInteger(k) || k < 0 || k >= g.width || (i > 0 && k <= keep[i - 1]!))) {
      throw new Error(`group ${g.id}: kept indices must be ascending integers in [0, ${g.width})`)
    }
    kept[g.id] = keep
  }
  return withKept(spec, kept)
}

export function gatherPlan(spec: ArchSpec, selection: Selection): Gathers {
  const shapes = inferShapes(spec).layers
  const spatialAfter = (name: string) => {
    const s = shapes.find((l) => l.layer.name === name)!.input
    return s.length === 3 ? s[0]! * s[1]! : 1
  }
  const plan: Gathers = new Map()
  const add = (name: string, axis: number, idx: number[]) => plan.set(name, [...(plan.get(name) ?? []), { axis, idx }])
  for (const g of channelGroups(spec)) {
    const keep = selection[g.id]
    if (!keep || keep.length === g.width) continue
    // a block-input selection has no producer of its own: the residual stream keeps its width
    const producer = producerWeight(g)
    if (producer) add(producer, -1, keep)
    for (const p of bnParams(g.id)) add(p, 0, keep)
    for (const c of consumers(spec, g, spatialAfter)) {
      const idx = c.spatial === 1 ? keep : Array.from({ length: c.spatial }, (_, pos) => keep.map((k) => pos * g.width + k)).flat()
      add(c.weight, c.axis, idx)
    }
  }
  return plan
}

/** The pruned network with weights copied from `net` (a new Network; `net` is left intact). */
export function pruneNetwork(net: Network, selection: Selection, seed: number): Network {
  const spec = prunedSpec(net.spec, selection)
  const plan = gatherPlan(net.spec, selection)
  const pruned = new Network(spec, seed)
  for (const [name, target] of [...pruned.trainable, ...pruned.buffers]) {
    const source = net.trainable.get(name) ?? net.buffers.get(name)
    if (!source) throw new Error(`surgery: the original network has no '${name}'`)
    tf.tidy(() => {
      let t: tf.Tensor = source
      for (const { axis, idx } of plan.get(name) ?? []) t = tf.gather(t, tf.tensor1d(idx, 'int32'), axis < 0 ? t.rank + axis : axis)
      if (t.shape.join() !== target.shape.join()) throw new Error(`surgery: '${name}' became [${t.shape}] but the pruned spec needs [${target.shape}]`)
      target.assign(t)
    })
  }
  return pruned
}
