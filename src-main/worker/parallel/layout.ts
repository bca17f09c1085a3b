/**
 * The shared-memory contract between the trainer and its replicas, and the pure arithmetic of
 * a data-parallel step (shard sizes, count-weighted BN statistics). Both sides build their views
 * from the same `ReplicaLayout`, so an offset can never disagree between them.
 */

/** Int32 slots of a replica's control block. */
export const CTRL = {
  /** bumped by the trainer to issue a command (the replica waits on it) */
  SEQ: 0,
  CMD: 1,
  /** examples in this replica's shard */
  COUNT: 2,
  /** set by the replica to the SEQ it finished (the trainer waits on it) */
  DONE: 3,
  STATUS: 4,
  CORRECT: 5,
  /** tf.memory().numTensors on the replica after its last step: leak checks from outside */
  TENSORS: 6,
  ERROR_BYTES: 7,
} as const
const CTRL_INTS = 8

export const CMD_STEP = 1
export const CMD_STOP = 2
export const STATUS_OK = 0
export const STATUS_FAILED = 1

const ERROR_CAPACITY = 1024

/** One trainable parameter's place in the flat weight and gradient arrays. */
export interface ParamSlot {
  name: string
  shape: number[]
  offset: number
  size: number
}

/** One BN layer's place in the flat statistics array: mean at offset, variance after it. */
export interface BnSlot {
  id: string
  channels: number
  offset: number
}

export interface ReplicaLayout {
  params: ParamSlot[]
  bn: BnSlot[]
  /** floats in the flat weight / gradient arrays */
  paramFloats: number
  /** floats in the flat BN statistics array (2 × channels per layer) */
  bnFloats: number
  featureSize: number
  /** the most examples one shard can hold */
  maxShard: number
}

export function buildLayout(
  params: { name: string; shape: number[] }[],
  bn: { id: string; channels: number }[],
  featureSize: number,
  maxShard: number,
): ReplicaLayout {
  let offset = 0
  const paramSlots = params.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1)
    const slot = { name, shape: [...shape], offset, size }
    offset += size
    return slot
  })
  let bnOffset = 0
  const bnSlots = bn.map(({ id, channels }) => {
    const slot = { id, channels, offset: bnOffset }
    bnOffset += 2 * channels
    return slot
  })
  return { params: paramSlots, bn: bnSlots, paramFloats: offset, bnFloats: bnOffset, featureSize, maxShard }
}

/** Typed views of one replica's SharedArrayBuffer (control, results, its shard, its gradients). */
export interface ReplicaViews {
  ctrl: Int32Array
  loss: Float64Array
  error: Uint8Array
  x: Float32Array
  y: Int32Array
  grads: Float32Array
  bn: Float32Array
}

/** Byte offsets of the regions, each aligned for its element type. */
function regions(layout: ReplicaLayout) {
  const align = (n: number, a: number) => Math.ceil(n / a) * a
  const ctrl = 0
  const loss = align(ctrl + CTRL_INTS * 4, 8)
  const error = loss + 8
  const x = align(error + ERROR_CAPACITY, 8)
  const y = x + layout.maxShard * layout.featureSize * 4
  const grads = y + layout.maxShard * 4
  const bn = grads + layout.paramFloats * 4
  return { ctrl, loss, error, x, y, grads, bn, bytes: bn + layout.bnFloats * 4 }
}

export function replicaBytes(layout: ReplicaLayout): number {
  return regions(layout).bytes
}

export function replicaViews(buffer: SharedArrayBuffer, layout: ReplicaLayout): ReplicaViews {
  const r = regions(layout)
  if (buffer.byteLength < r.bytes) throw new Error(`replica buffer of ${buffer.byteLength} bytes, layout needs ${r.bytes}`)
  return {
    ctrl: new Int32Array(buffer, r.ctrl, CTRL_INTS),
    loss: new Float64Array(buffer, r.loss, 1),
    error: new Uint8Array(buffer, r.error, ERROR_CAPACITY),
    x: new Float32Array(buffer, r.x, layout.maxShard * layout.featureSize),
    y: new Int32Array(buffer, r.y, layout.maxShard),
    grads: new Float32Array(buffer, r.grads, layout.paramFloats),
    bn: new Float32Array(buffer, r.bn, layout.bnFloats),
  }
}

/** Stores a failure's text where the trainer reads it (truncated to the region). */
export function writeError(views: ReplicaViews, message: string): void {
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_CAPACITY)
  views.error.set(bytes)
  views.ctrl[CTRL.ERROR_BYTES] = bytes.length
}

export function readError(views: ReplicaViews): string {
  // TextDecoder refuses views of shared memory: copy first.
  return new TextDecoder().decode(views.error.slice(0, views.ctrl[CTRL.ERROR_BYTES]!))
}

/**
 * Shard sizes for `count` examples over `workers`: as equal as possible, the remainder going to
 * the first shards, so the split (and with it every result) depends only on count and workers.
 */
export function planShards(count: number, workers: number): number[] {
  const base = Math.floor(count / workers)
  const extra = count % workers
  return Array.from({ length: workers }, (_, i) => base + (i < extra ? 1 : 0))
}

export interface BnBatchStats {
  mean: ArrayLike<number>
  /** biased (divide by count) */
  variance: ArrayLike<number>
  /** values per channel behind these statistics (examples × spatial positions) */
  count: number
}

/**
 * The statistics of the union of the shards, from each shard's mean, biased variance and count
 * (law of total variance, in float64): the mean and variance one worker would have measured on
 * the whole batch. Shards with no values are skipped.
 */
export function combineBnStats(parts: BnBatchStats[]): { mean: Float32Array; variance: Float32Array; count: number } {
  const used = parts.filter((p) => p.count > 0)
  if (used.length === 0) throw new Error('no BN statistics to combine')
  const channels = used[0]!.mean.length
  const total = used.reduce((a, p) => a + p.count, 0)
  const mean = new Float32Array(channels)
  const variance = new Float32Array(channels)
  for (let c = 0; c < channels; c++) {
    let m = 0
    for (const p of used) m += (p.count / total) * p.mean[c]!
    let v = 0
    for (const p of used) {
      const d = p.mean[c]! - m
      v += (p.count / total) * (p.variance[c]! + d * d)
    }
    mean[c] = m
    variance[c] = v
  }
  return { mean, variance, count: total }
}
