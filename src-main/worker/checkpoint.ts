/**
 * Checkpoints of a run, one per finished epoch, in `<dataDir>/checkpoints/<runId>/`:
 *
 *   epoch-000007.ckpt   weights, spec, phase, shuffle, EB detector state, pruning, new spline codes
 *   epoch-000007.optim  SGD momentum buffers (only the newest epoch keeps one)
 *
 * `dataDir` is the app's data folder, the one holding spline-lab.db. The worker writes a file
 * before it reports the epoch, and the main process commits the epoch row (which names the file)
 * only after that, so a file is durable before anything refers to it; files the database does
 * not name are leftovers of a crash and are removed on resume.
 *
 * Spline codes: with keepCheckpoints 'all' each file carries only its own epoch's codes and a
 * reader follows the chain back (`readCodeHistory`); with 'last' the one kept file carries them all.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ArchSpec } from '../contract/arch'
import type { LayerCode } from '../core/splineCodes'
import type { BnEbState } from '../core/bnEb'
import { CheckpointError, openContainer, writeContainer, type Blob } from './checkpointFile'

export { CheckpointError } from './checkpointFile'

export type Tensors = Record<string, { shape: number[]; values: Float32Array }>
export type KeepCheckpoints = 'all' | 'last'

export interface CheckpointData {
  /** global, 1-based epoch this checkpoint ends */
  epoch: number
  phase: 'dense' | 'retrain'
  /** epochs of `phase` done (what the engine skips on resume) */
  phaseEpoch: number
  /** the network's architecture at this epoch (pruned once pruned) */
  spec: ArchSpec
  /** `Network.snapshot()`: every trainable variable and BN buffer */
  weights: Tensors
  /** `SgdMomentum.state()`; null when not kept for this epoch or not asked for */
  optimizer: Tensors | null
  /** the engine's shuffle stream: its seed and how many epochs drew from it */
  shuffle: { seed: number; epochsDrawn: number }
  /** spline codes of recorded (dense) epochs `from`..`from + epochs.length − 1`, 1-based */
  codes: { from: number; epochs: LayerCode[][] } | null
  bnEb: BnEbState | null
  /** the spline EB detector's ticket so far (replayed from the codes in the dense phase) */
  splineEbEpoch: number | null
  /** the ticket's pruning, once pruned: where, and the kept channels per group */
  pruning: { atEpoch: number; ebFallback: boolean; kept: Record<string, number[]> } | null
  /** phases finished before this one (training-FLOPs accounting) */
  completedPhases: { flops: number; images: number; epochs: number }[]
  lastAccuracy: number | null
  /** wall seconds of the run up to this checkpoint, over all its sessions */
  elapsedSeconds: number
  /** hash of the run config, so a checkpoint is never resumed under another config */
  configHash: string
  /** trainer workers the epoch trained on, so that a resume under 'auto' on another machine
   * trains on as many (absent in checkpoints written before it was recorded) */
  trainWorkers?: number
}

export interface CheckpointEntry {
  epoch: number
  file: string
  bytes: number
  optimizer: boolean
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const NAME = /^epoch-(\d{6})\.(ckpt|optim)$/
const FORMAT = 1

export function checkpointDir(dataDir: string, runId: string): string {
  // Run ids reach here from requests; never let one name a path outside the checkpoints folder.
  if (!SAFE_ID.test(runId)) throw new CheckpointError(runId.slice(0, 80), 'not a valid run id')
  return join(dataDir, 'checkpoints', runId)
}

export const checkpointName = (epoch: number, kind: 'ckpt' | 'optim' = 'ckpt') => `epoch-${String(epoch).padStart(6, '0')}.${kind}`

/** Writes epoch `epoch`'s checkpoint durably; returns the file name the database should record. */
export function writeCheckpoint(dataDir: string, runId: string, epoch: number, data: CheckpointData): { file: string; bytes: number } {
  const dir = checkpointDir(dataDir, runId)
  mkdirSync(dir, { recursive: true })
  let bytes = 0
  if (data.optimizer) {
    const names = Object.keys(data.optimizer)
    const shapes = Object.fromEntries(names.map((n) => [n, data.optimizer![n]!.shape]))
    bytes += writeContainer(
      join(dir, checkpointName(epoch, 'optim')),
      { format: FORMAT, epoch, shapes },
      names.map((n) => ({ name: `v:${n}`, data: data.optimizer![n]!.values })),
      epoch,
    )
  }
  const { weights, optimizer: _optimizer, codes, ...rest } = data
  const blobs: Blob[] = Object.entries(weights).map(([n, t]) => ({ name: `w:${n}`, data: t.values }))
  const codeMeta = codes
    ? {
        from: codes.from,
        epochs: codes.epochs.map((layers, e) =>
          layers.map((c, l) => {
            blobs.push({ name: `c:${e}:${l}`, data: c.words })
            return { bits: c.bits, channels: c.channels ?? null }
          }),
        ),
      }
    : null
  const header = { format: FORMAT, ...rest, epoch, weightShapes: Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, t.shape])), codes: codeMeta }
  const file = checkpointName(epoch)
  bytes += writeContainer(join(dir, file), header, blobs, epoch)
  return { file, bytes }
}

interface Header extends Omit<CheckpointData, 'weights' | 'optimizer' | 'codes'> {
  format: number
  weightShapes: Record<string, number[]>
  codes: { from: number; epochs: { bits: number; channels: number | null }[][] } | null
}

/**
 * Reads a checkpoint (the newest when `epoch` is omitted). `weights: false` skips the weights
 * (codes only); `optimizer: false` skips the momentum buffers.
 */
export function readCheckpoint(dataDir: string, runId: string, epoch?: number, parts: { weights?: boolean; optimizer?: boolean } = {}): CheckpointData {
  const dir = checkpointDir(dataDir, runId)
  const at = epoch ?? listCheckpoints(dataDir, runId).at(-1)?.epoch
  if (at === undefined) throw new CheckpointError(runId, 'the run has no checkpoints')
  const file = join(dir, checkpointName(at))
  if (!existsSync(file)) throw new CheckpointError(checkpointName(at), `missing from ${dir}`)
  const c = openContainer<Header>(file)
  try {
    const h = c.header
    if (h.format !== FORMAT || h.epoch !== at) throw new CheckpointError(checkpointName(at), `unexpected format ${h.format} / epoch ${h.epoch}`)
    const need = (name: string) => {
      const b = c.blob(name)
      if (!b) throw new CheckpointError(checkpointName(at), `blob '${name}' is missing`)
      return b
    }
    const weights: Tensors = {}
    if (parts.weights !== false) for (const [n, shape] of Object.entries(h.weightShapes)) weights[n] = { shape, values: need(`w:${n}`) as Float32Array }
    const codes = h.codes
      ? {
          from: h.codes.from,
          epochs: h.codes.epochs.map((layers, e) =>
            layers.map((m, l) => ({ bits: m.bits, words: need(`c:${e}:${l}`) as Uint32Array, ...(m.channels === null ? {} : { channels: m.channels }) })),
          ),
        }
      : null
    const { format: _f, weightShapes: _w, blobs: _b, ...rest } = h
    return { ...rest, weights, codes, optimizer: parts.optimizer === false ? null : readOptimizer(dir, at) }
  } finally {
    c.close()
  }
}

function readOptimizer(dir: string, epoch: number): Tensors | null {
  const file = join(dir, checkpointName(epoch, 'optim'))
  if (!existsSync(file)) return null
  const c = openContainer<{ epoch: number; shapes: Record<string, number[]> }>(file)
  try {
    const out: Tensors = {}
    for (const [n, shape] of Object.entries(c.header.shapes)) {
      const values = c.blob(`v:${n}`)
      if (!values) throw new CheckpointError(checkpointName(epoch, 'optim'), `blob 'v:${n}' is missing`)
      out[n] = { shape, values: values as Float32Array }
    }
    return out
  } finally {
    c.close()
  }
}

/** The codes of every recorded epoch up to the one `data` ends with, following the chain back. */
export function readCodeHistory(dataDir: string, runId: string, data: CheckpointData): LayerCode[][] {
  if (!data.codes) return []
  const parts: LayerCode[][][] = [data.codes.epochs]
  let from = data.codes.from
  while (from > 1) {
    const older = readCheckpoint(dataDir, runId, from - 1, { weights: false, optimizer: false }).codes
    if (!older || older.from >= from) throw new CheckpointError(checkpointName(from - 1), 'the spline codes of earlier epochs are missing')
    parts.unshift(older.epochs.slice(0, from - older.from))
    from = older.from
  }
  return parts.flat()
}

/** The checkpoints on disk, oldest first (complete files only: temporaries are not listed). */
export function listCheckpoints(dataDir: string, runId: string): CheckpointEntry[] {
  const dir = checkpointDir(dataDir, runId)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const optim = new Set(names.filter((n) => n.endsWith('.optim')))
  return names
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === 'ckpt')
    .map((m) => ({ epoch: Number(m[1]), file: m[0], bytes: statSync(join(dir, m[0])).size, optimizer: optim.has(checkpointName(Number(m[1]), 'optim')) }))
    .sort((a, b) => a.epoch - b.epoch)
}

/** After epoch `committed` is in the database: drop older momentum buffers (and, with 'last', older files). */
export function pruneCheckpoints(dataDir: string, runId: string, committed: number, keep: KeepCheckpoints): void {
  for (const name of safeList(dataDir, runId)) {
    const m = NAME.exec(name)
    if (!m || Number(m[1]) >= committed) continue
    if (m[2] === 'optim' || keep === 'last') rmSync(join(checkpointDir(dataDir, runId), name), { force: true })
  }
}

/** Removes files of epochs after `epoch` and half-written temporaries (a crash's leftovers). */
export function discardCheckpointsAfter(dataDir: string, runId: string, epoch: number): string[] {
  const removed: string[] = []
  for (const name of safeList(dataDir, runId)) {
    const m = NAME.exec(name)
    if (m ? Number(m[1]) > epoch : name.includes('.tmp-')) {
      rmSync(join(checkpointDir(dataDir, runId), name), { force: true })
      removed.push(name)
    }
  }
  return removed
}

export function removeCheckpoints(dataDir: string, runId: string): void {
  rmSync(checkpointDir(dataDir, runId), { recursive: true, force: true })
}

function safeList(dataDir: string, runId: string): string[] {
  try {
    return readdirSync(checkpointDir(dataDir, runId))
  } catch {
    return []
  }
}
