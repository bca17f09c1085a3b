/**
 * The partition view's numbers (paper Fig. 1–2): a checkpointed network evaluated on a grid over a
 * 2-D plane — the input plane of 2-D data, or the canvas α·image A + β·image B for anything else —
 * giving every shown unit's zero contour (where its BN output, the ReLU pre-activation, changes
 * sign), each layer's region count and region edges, and the decision boundary.
 * Runs inside the trainer worker, between training batches, on whatever backend it holds.
 */
import * as tf from '@tensorflow/tfjs'
import type { PartitionLayer, PartitionResult } from '../contract/api'
import { Network } from '../core/network'
import { channelGroups } from '../core/spec'
import type { ArchSpec } from '../contract/arch'
import { pruneNetwork } from '../core/pruning/surgery'
import { marchingSquares, roundPolylines, type GridExtent } from '../core/contours'
import { gridProbe, loadDataset } from '../data/datasets'
import type { Dataset } from '../data/builtin/types'
import type { PartitionJob } from './protocol'

export interface CheckpointWeights {
  spec: ArchSpec
  weights: Record<string, { shape: number[]; values: Float32Array }>
}
/** `readCheckpoint(dir, runId, epoch)` of worker/checkpoint.ts, injected so tests need no files */
export type CheckpointReader = (dir: string, runId: string, epoch?: number) => CheckpointWeights | null | Promise<CheckpointWeights | null>

/** More contours than this per layer is a tangle, not a picture. */
const MAX_SHOWN_UNITS = 128
/** floats of one layer's output held per chunk of grid points */
const CHUNK_FLOATS = 4 << 20

export interface Plane {
  kind: 'input' | 'canvas'
  extent: GridExtent
  xLabel: string
  yLabel: string
  /** row-major grid² points (y outer), each a full input */
  x: Float32Array
  points: { x: number; y: number; label: number }[]
  images?: { a: number; b: number; labelA: string; labelB: string }
}

export async function runPartition(job: PartitionJob, read: CheckpointReader): Promise<PartitionResult> {
  const started = performance.now()
  if (!job.dataDir) throw new Error('no data folder: checkpoints cannot be found')
  let ckpt: CheckpointWeights | null
  try {
    ckpt = await read(job.dataDir, job.runId, job.epoch)
  } catch (err) {
    throw new Error(`no checkpoint for epoch ${job.epoch} of run ${job.runId}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (!ckpt) throw new Error(`no checkpoint for epoch ${job.epoch} of run ${job.runId}`)
  const data = loadDataset(job.config.dataset, job.config.seed, { dataDir: job.dataDir })
  const plane = buildPlane(data, job.grid, job.images)
  let net = new Network(ckpt.spec, 0)
  let pruned = false
  try {
    net.load(ckpt.weights)
    if (job.prune) {
      const needsSurgery = channelGroups(net.spec).some((g) => job.prune![g.id] && job.prune![g.id]!.length < g.width)
      if (needsSurgery) {
        const smaller = pruneNetwork(net, job.prune, 0)
        net.dispose()
        net = smaller
      }
      pruned = true
    }
    const result = computePartition(net, plane, job.grid, job.layer, data.classNames)
    return { runId: job.runId, epoch: job.epoch, pruned, ...result, seconds: (performance.now() - started) / 1000 }
  } finally {
    net.dispose()
  }
}

/** The plane a partition is drawn on, for this dataset. */
export function buildPlane(data: Dataset, n: number, images?: [number, number]): Plane {
  const per = data.inputShape.reduce((a, b) => a * b, 1)
  const labelOf = (i: number) => Number(data.yTest[i] ?? 0)
  if (per === 2 && data.bounds) {
    const extent: GridExtent = { x: data.bounds[0]!, y: data.bounds[1]! }
    const count = Math.min(400, data.yTest.length)
    const points = Array.from({ length: count }, (_, i) => ({ x: data.xTest[2 * i]!, y: data.xTest[2 * i + 1]!, label: labelOf(i) }))
    return { kind: 'input', extent, xLabel: 'x₁', yLabel: 'x₂', x: gridProbe(data.bounds, n), points }
  }
  const nTest = data.xTest.length / per
  if (nTest < 2) throw new Error('the dataset needs two test examples to span a canvas')
  const [a, b] = images ?? [0, firstOtherClass(data, 0)]
  for (const i of [a, b]) if (i >= nTest) throw new Error(`test image ${i} does not exist (the test split has ${nTest})`)
  if (a === b) throw new Error('choose two different test images')
  const xa = data.xTest.subarray(a * per, (a + 1) * per)
  const xb = data.xTest.subarray(b * per, (b + 1) * per)
  const x = new Float32Array(n * n * per)
  for (let i = 0; i < n; i++) {
    const beta = i / (n - 1)
    for (let j = 0; j < n; j++) {
      const alpha = j / (n - 1)
      const o = (i * n + j) * per
      for (let k = 0; k < per; k++) x[o + k] = alpha * xa[k]! + beta * xb[k]!
    }
  }
  const name = (i: number) => data.classNames[labelOf(i)] ?? String(labelOf(i))
  return {
    kind: 'canvas',
    extent: { x: [0, 1], y: [0, 1] },
    xLabel: `α (image ${a})`,
    yLabel: `β (image ${b})`,
    x,
    points: [
      { x: 1, y: 0, label: labelOf(a) },
      { x: 0, y: 1, label: labelOf(b) },
    ],
    images: { a, b, labelA: name(a), labelB: name(b) },
  }
}

function firstOtherClass(data: Dataset, a: number): number {
  for (let j = 0; j < data.yTest.length; j++) if (j !== a && data.yTest[j] !== data.yTest[a]) return j
  return a === 0 ? 1 : 0
}

interface LayerAcc {
  id: string
  shape: number[]
  units: number
  shown: number[]
  values: Float32Array[]
  hashes: Float64Array
}

/** Evaluates `net` (inference mode) on the plane's grid; pure apart from the tf computation. */
export function computePartition(net: Network, plane: Plane, n: number, onlyLayer: string | undefined, classNames: string[]) {
  const N = n * n
  const per = plane.x.length / N
  const input = net.spec.input
  const shapes = tf.tidy(() =>
    net.forward(tf.tensor(plane.x.subarray(0, per), [1, ...input]), false).codes.map((c) => ({ id: c.id, shape: c.value.shape.slice(1) })),
  )
  const wanted = onlyLayer ? shapes.filter((s) => s.id === onlyLayer) : shapes
  if (onlyLayer && wanted.length === 0) throw new Error(`no layer '${onlyLayer}' (layers: ${shapes.map((s) => s.id).join(', ')})`)
  const layers: LayerAcc[] = wanted.map(({ id, shape }) => {
    const units = shape.reduce((a, b) => a * b, 1)
    const shown = shownUnits(shape)
    return { id, shape, units, shown, values: shown.map(() => new Float32Array(N)), hashes: new Float64Array(N) }
  })
  const classes = net.spec.classes
  const logits = new Float32Array(N * classes)
  const widest = Math.max(classes, ...shapes.map((s) => s.shape.reduce((a, b) => a * b, 1)))
  const chunk = Math.max(1, Math.min(N, Math.floor(CHUNK_FLOATS / widest)))

  for (let start = 0; start < N; start += chunk) {
    const count = Math.min(chunk, N - start)
    let z: Float32Array = new Float32Array(0)
    const codes = new Map<string, Float32Array>()
    tf.tidy(() => {
      const out = net.forward(tf.tensor(plane.x.subarray(start * per, (start + count) * per), [count, ...input]), false)
      z = out.logits.dataSync() as Float32Array
      for (const c of out.codes) if (layers.some((l) => l.id === c.id)) codes.set(c.id, c.value.dataSync() as Float32Array)
    })
    logits.set(z, start * classes)
    for (const layer of layers) absorb(layer, codes.get(layer.id)!, start, count)
  }

  const extent = plane.extent
  const partitionLayers: PartitionLayer[] = layers.map((l) => ({
    id: l.id,
    units: l.units,
    shown: l.shown,
    contours: l.values.map((v) => roundPolylines(marchingSquares(v, n, n, extent))),
    regions: new Set(l.hashes).size,
    edges: regionEdges(l.hashes, n),
  }))
  return {
    grid: n,
    plane: plane.kind,
    extent: { x: extent.x, y: extent.y, xLabel: plane.xLabel, yLabel: plane.yLabel },
    arch: net.spec,
    layers: partitionLayers,
    decision: decision(logits, classes, n, extent, classNames),
    points: plane.points,
    ...(plane.images ? { images: plane.images } : {}),
  }
}

/** Dense layers: every unit (evenly thinned past the cap); conv layers: one unit per channel at the map's centre. */
function shownUnits(shape: number[]): number[] {
  const channels = shape.at(-1)!
  if (shape.length === 1) {
    const step = Math.max(1, Math.ceil(channels / MAX_SHOWN_UNITS))
    return Array.from({ length: Math.ceil(channels / step) }, (_, i) => i * step)
  }
  const [h, w] = shape as [number, number, number]
  const centre = (Math.floor(h / 2) * w + Math.floor(w / 2)) * channels
  const step = Math.max(1, Math.ceil(channels / MAX_SHOWN_UNITS))
  return Array.from({ length: Math.ceil(channels / step) }, (_, i) => centre + i * step)
}

/** Copies the shown units' values and hashes every point's full sign pattern (its region). */
function absorb(layer: LayerAcc, codes: Float32Array, start: number, count: number): void {
  const units = layer.units
  for (let p = 0; p < count; p++) {
    const base = p * units
    layer.shown.forEach((u, k) => (layer.values[k]![start + p] = codes[base + u]!))
    let h1 = 0x811c9dc5
    let h2 = 0x9747b28c
    let word = 0
    for (let u = 0; u < units; u++) {
      word = (word << 1) | (codes[base + u]! > 0 ? 1 : 0)
      if ((u & 31) === 31 || u === units - 1) {
        h1 = Math.imul(h1 ^ word, 0x01000193)
        h2 = Math.imul(h2 ^ word, 0x5bd1e995) ^ (h2 >>> 15)
        word = 0
      }
    }
    // 53 bits of two 32-bit hashes: collisions among a few thousand patterns are negligible.
    layer.hashes[start + p] = (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) >>> 11)
  }
}

function regionEdges(hashes: Float64Array, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j
      const edge = (j + 1 < n && hashes[k + 1] !== hashes[k]) || (i + 1 < n && hashes[k + n] !== hashes[k])
      out += edge ? '1' : '0'
    }
  }
  return out
}

/** Predicted classes, and where each class's margin over the best other class is zero. */
function decision(logits: Float32Array, classes: number, n: number, extent: GridExtent, classNames: string[]) {
  const N = n * n
  const labels = new Array<number>(N)
  for (let p = 0; p < N; p++) {
    let best = 0
    for (let c = 1; c < classes; c++) if (logits[p * classes + c]! > logits[p * classes + best]!) best = c
    labels[p] = best
  }
  const contours = []
  // With two classes both margins share one zero set; draw it once.
  for (let c = 0; c < (classes === 2 ? 1 : classes); c++) {
    const margin = new Float32Array(N)
    for (let p = 0; p < N; p++) {
      let other = -Infinity
      for (let k = 0; k < classes; k++) if (k !== c) other = Math.max(other, logits[p * classes + k]!)
      margin[p] = logits[p * classes + c]! - other
    }
    contours.push(...roundPolylines(marchingSquares(margin, n, n, extent)))
  }
  return { classes: Array.from({ length: classes }, (_, c) => classNames[c] ?? String(c)), labels, contours }
}
