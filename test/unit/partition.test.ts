/**
 * The partition computation: each first-layer unit of an MLP on 2-D data is a straight line in
 * the input plane; the decision boundary separates the predicted classes; surgery and canvases
 * work; a missing checkpoint is reported as such.
 */
import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { RunConfigSchema } from '../../src-main/contract/api'
import { buildSpec } from '../../src-main/core/models'
import { Network } from '../../src-main/core/network'
import { loadDataset } from '../../src-main/data/datasets'
import { buildPlane, computePartition, runPartition, type CheckpointReader } from '../../src-main/worker/partitionJob'

await tf.setBackend('cpu')

const xshape = loadDataset('builtin:xshape', 0)

describe('partition', () => {
  it('draws every first-layer unit of an MLP as one straight line and finds the decision boundary', () => {
    const net = new Network(buildSpec('mlp', [2], 2, { hidden: [6, 4] }), 1)
    const n = 41
    const plane = buildPlane(xshape, n)
    const result = computePartition(net, plane, n, undefined, ['a', 'b'])
    expect(result.layers.map((l) => l.id)).toEqual(['fc1.bn', 'fc2.bn'])
    const first = result.layers[0]!
    expect(first.units).toBe(6)
    expect(first.shown).toEqual([0, 1, 2, 3, 4, 5])
    // BN of a linear map is affine: its zero set in the plane is a line (or misses the box).
    for (const unit of first.contours) {
      expect(unit.length).toBeLessThanOrEqual(1)
      if (!unit[0]) continue
      const pts = unit[0]
      const [x0, y0, x1, y1] = [pts[0]!, pts[1]!, pts.at(-2)!, pts.at(-1)!]
      for (let k = 0; k < pts.length; k += 2) {
        const cross = (x1 - x0) * (pts[k + 1]! - y0) - (y1 - y0) * (pts[k]! - x0)
        expect(Math.abs(cross) / Math.hypot(x1 - x0, y1 - y0)).toBeLessThan(1e-3)
      }
    }
    expect(first.regions).toBeGreaterThan(1)
    expect(first.edges).toHaveLength(n * n)
    expect(result.decision.labels).toHaveLength(n * n)
    const labels = new Set(result.decision.labels)
    if (labels.size > 1) expect(result.decision.contours.length).toBeGreaterThan(0)
    expect(result.points.length).toBeGreaterThan(0)
    net.dispose()
  })

  it('loads a checkpoint, applies the pruning selection, and reports a missing epoch', async () => {
    const spec = buildSpec('mlp', [2], 2, { hidden: [8] })
    const net = new Network(spec, 2)
    const weights = net.snapshot()
    net.dispose()
    const read: CheckpointReader = (_dir, _run, epoch) => (epoch === 3 ? { spec, weights } : null)
    const config = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', hidden: [8] })
    const job = { runId: 'r1', config, epoch: 3, grid: 24, dataDir: '/nowhere' }
    const full = await runPartition(job, read)
    expect(full.pruned).toBe(false)
    expect(full.layers[0]!.units).toBe(8)
    const pruned = await runPartition({ ...job, prune: { 'fc1.bn': [0, 2, 5] } }, read)
    expect(pruned.pruned).toBe(true)
    expect(pruned.layers[0]!.units).toBe(3)
    expect(pruned.arch.layers[0]).toMatchObject({ units: 3 })
    // The kept units keep their boundaries: surgery copies their weights.
    expect(pruned.layers[0]!.contours[1]).toEqual(full.layers[0]!.contours[2])
    await expect(runPartition({ ...job, epoch: 4 }, read)).rejects.toThrow('no checkpoint for epoch 4')
    await expect(runPartition({ ...job, layer: 'nope' }, read)).rejects.toThrow("no layer 'nope'")
  })

  it('spans a canvas through two test images of different classes for image data', () => {
    const fashion = loadDataset('builtin:fashion-mini', 0)
    const net = new Network(buildSpec('cnn', [28, 28, 1], 10, { width: 0.25 }), 1)
    const plane = buildPlane(fashion, 12)
    expect(plane.kind).toBe('canvas')
    expect(plane.images!.labelA).not.toBe(plane.images!.labelB)
    const result = computePartition(net, plane, 12, undefined, fashion.classNames)
    expect(result.plane).toBe('canvas')
    expect(result.layers.map((l) => l.id)).toEqual(['conv1.bn', 'conv2.bn'])
    const conv1 = result.layers[0]!
    expect(conv1.units).toBe(28 * 28 * 4)
    expect(conv1.shown).toHaveLength(4) // one unit per channel
    expect(result.decision.classes).toHaveLength(10)
    expect(() => buildPlane(fashion, 12, [3, 3])).toThrow('two different')
    net.dispose()
  })
})
