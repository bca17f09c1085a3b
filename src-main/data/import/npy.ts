/**
 * NumPy .npy pairs (x_train.npy + y_train.npy, x_test.npy + y_test.npy, or one x/y pair that we
 * split). Inputs: uint8 or float32, C order; labels: any small integer type or float32 (float
 * values that are not all integers make a regression target).
 */
import { closeSync, readSync } from 'node:fs'
import { ImportError, fmt, fsReason } from './errors'
import { type FormatPlan, type ReadContext, type ReadOutcome, genericNames, namesFromFile, openRegular, readHead, splitOfName } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, growFloat, growInt, splitMask } from './split'
import type { FileEntry } from './walk'

const MAGIC = '\x93NUMPY'
const ITEM: Record<string, { bytes: number; name: string }> = {
  '|u1': { bytes: 1, name: 'uint8' },
  '|i1': { bytes: 1, name: 'int8' },
  '<u2': { bytes: 2, name: 'uint16' },
  '<i2': { bytes: 2, name: 'int16' },
  '<i4': { bytes: 4, name: 'int32' },
  '<u4': { bytes: 4, name: 'uint32' },
  '<i8': { bytes: 8, name: 'int64' },
  '<f4': { bytes: 4, name: 'float32' },
  '<f8': { bytes: 8, name: 'float64' },
}

export interface NpyHeader {
  descr: string
  shape: number[]
  dataOffset: number
}

export const isNpy = (head: Uint8Array) => Buffer.from(head.subarray(0, 6)).toString('latin1') === MAGIC

/** Parses and checks a .npy header; throws a one-line reason. */
export function parseNpyHeader(head: Uint8Array, fileSize: number): NpyHeader {
  if (!isNpy(head)) throw new Error('not a .npy file (no \\x93NUMPY magic)')
  if (head.length < 10) throw new Error('truncated: the file ends inside its header')
  const major = head[6]!
  if (major < 1 || major > 3) throw new Error(`unknown .npy format version ${major}.${head[7]}`)
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const lenBytes = major === 1 ? 2 : 4
  const len = major === 1 ? view.getUint16(8, true) : head.length >= 12 ? view.getUint32(8, true) : Infinity
  const start = 8 + lenBytes
  if (start + len > head.length) throw new Error('truncated: the file ends inside its header')
  const dict = Buffer.from(head.subarray(start, start + len)).toString('latin1')
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1]
  if (!descr || !fortran || shapeText === undefined) throw new Error('malformed .npy header (descr, fortran_order or shape missing)')
  if (fortran === 'True') throw new Error('is stored in Fortran order; save it with np.ascontiguousarray(a) (C order)')
  if (descr.startsWith('>')) throw new Error(`is big-endian (${descr}); save it little-endian`)
  const item = ITEM[descr]
  if (!item) throw new Error(`dtype '${descr}' is not supported (inputs: uint8 or float32; labels: integers or float32)`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number)
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`malformed shape (${shapeText})`)
  const dataOffset = start + len
  const need = shape.reduce((a, b) => a * b, 1) * item.bytes
  if (fileSize - dataOffset < need)
    throw new Error(
      `truncated: shape (${shape.join(', ')}) of ${item.name} needs ${fmt(need)} data bytes but the file holds ${fmt(Math.max(0, fileSize - dataOffset))}`,
    )
  return { descr, shape, dataOffset }
}

function role(rel: string): 'x' | 'y' | null {
  const base = rel.toLowerCase().replace(/\.npy$/, '')
  const tokens = base.split(/[^a-z0-9]+|(?<=[a-z])(?=train|test)/).filter(Boolean)
  if (tokens.some((t) => ['x', 'images', 'inputs', 'features', 'data'].includes(t))) return 'x'
  if (tokens.some((t) => ['y', 'labels', 'targets', 'target', 'label'].includes(t))) return 'y'
  return null
}

interface NpyFile {
  entry: FileEntry
  header: NpyHeader
}

export function planNpy(top: FileEntry[], all: FileEntry[]): FormatPlan | null {
  const npys = top.filter((f) => isNpy(readHead(f, 8)))
  if (!npys.length) return null
  const parsed = npys.map((entry): NpyFile => {
    try {
      return { entry, header: parseNpyHeader(readHead(entry, 65_536), entry.size) }
    } catch (err) {
      throw new ImportError(entry.rel, (err as Error).message)
    }
  })
  const hasSplit = parsed.some((p) => splitOfName(p.entry.rel) === 'test')
  const splits = hasSplit ? (['train', 'test'] as const) : ([null] as const)
  const pairs = splits.map((split) => {
    const mine = parsed.filter((p) => (split ? splitOfName(p.entry.rel) === split : true))
    const xs = mine.filter((p) => role(p.entry.rel) === 'x')
    const ys = mine.filter((p) => role(p.entry.rel) === 'y')
    const what = split ? `${split} ` : ''
    if (xs.length !== 1 || ys.length !== 1) {
      throw new ImportError(
        mine.map((p) => p.entry.rel).join(', ') || `(no ${what}files)`,
        `expected one ${what}inputs file and one ${what}labels file, e.g. x_${split ?? 'train'}.npy and y_${split ?? 'train'}.npy`,
      )
    }
    const x = xs[0]!
    const y = ys[0]!
    if (!['|u1', '<f4'].includes(x.header.descr)) throw new ImportError(x.entry.rel, `inputs must be uint8 or float32, not ${ITEM[x.header.descr]!.name}`)
    if (y.header.shape.length !== 1 && !(y.header.shape.length === 2 && y.header.shape[1] === 1))
      throw new ImportError(y.entry.rel, `labels must be one-dimensional (N,), not (${y.header.shape.join(', ')})`)
    if (x.header.shape[0] !== y.header.shape[0])
      throw new ImportError(
        x.entry.rel,
        `holds ${fmt(x.header.shape[0] ?? 0)} examples but ${y.entry.rel} holds ${fmt(y.header.shape[0] ?? 0)} labels: the counts must agree`,
      )
    if (x.header.shape.length < 2) throw new ImportError(x.entry.rel, `inputs must be (N, features) or (N, H, W[, C]), not (${x.header.shape.join(', ')})`)
    if (x.header.shape.slice(1).some((d) => d === 0))
      throw new ImportError(x.entry.rel, `shape (${x.header.shape.join(', ')}) has a zero-sized dimension: the examples hold no values`)
    if (x.header.shape[0] === 0) throw new ImportError(x.entry.rel, `shape (${x.header.shape.join(', ')}) holds no examples`)
    return { split, x, y }
  })
  const base = pairs[0]!.x
  const rowShape = base.header.shape.slice(1)
  for (const p of pairs) {
    if (p.x.header.shape.slice(1).join() !== rowShape.join() || p.x.header.descr !== base.header.descr)
      throw new ImportError(p.x.entry.rel, `shape or dtype differs from ${base.entry.rel}`)
  }
  const inputShape = rowShape.length === 2 ? [...rowShape, 1] : rowShape
  if (inputShape.length === 3 && [1, 3].includes(inputShape[0]!) && ![1, 3].includes(inputShape[2]!)) {
    throw new ImportError(base.entry.rel, `looks channels-first (N, ${rowShape.join(', ')}); save it as (N, H, W, C)`)
  }
  if (inputShape.length > 3 || (inputShape.length === 3 && ![1, 3].includes(inputShape[2]!)))
    throw new ImportError(base.entry.rel, `inputs must be (N, features), (N, H, W) or (N, H, W, 1|3), not (N, ${rowShape.join(', ')})`)
  return { format: 'npy', files: pairs.flatMap((p) => [p.x.entry, p.y.entry]), read: (ctx) => readNpy(ctx, pairs, inputShape, all) }
}

function readLabels(f: NpyFile): Float64Array {
  const { descr, shape, dataOffset } = f.header
  const n = shape[0]!
  const item = ITEM[descr]!
  const raw = readHead(f.entry, dataOffset + n * item.bytes).subarray(dataOffset)
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const o = i * item.bytes
    out[i] =
      descr === '|u1'
        ? raw[o]!
        : descr === '|i1'
          ? view.getInt8(o)
          : descr === '<u2'
            ? view.getUint16(o, true)
            : descr === '<i2'
              ? view.getInt16(o, true)
              : descr === '<i4'
                ? view.getInt32(o, true)
                : descr === '<u4'
                  ? view.getUint32(o, true)
                  : descr === '<i8'
                    ? Number(view.getBigInt64(o, true))
                    : descr === '<f4'
                      ? view.getFloat32(o, true)
                      : view.getFloat64(o, true)
  }
  return out
}

/** Class labels, or a regression target: decided by the labels' type and values and the `task` option. */
function chooseTask(ctx: ReadContext, pairs: { y: NpyFile }[], labels: Float64Array[]): { regression: boolean; numClasses: number } {
  const ask = 'say which with the import option task (CLI --task classification|regression)'
  let max = 0
  type Found = { file: string; i: number; v: number }
  let negative = null as Found | null
  let fraction = null as Found | null
  labels.forEach((l, k) => {
    const file = pairs[k]!.y.entry.rel
    for (let i = 0; i < l.length; i++) {
      const v = l[i]!
      // NaN or infinity is never a class and never a target a loss can use
      if (!Number.isFinite(v)) throw new ImportError(file, `label ${fmt(i)} is ${v}: labels must be finite numbers`)
      if (v < 0) negative ??= { file, i, v }
      if (!Number.isInteger(v)) fraction ??= { file, i, v }
      if (v > max) max = v
    }
  })
  const task = ctx.options.task
  if (task === 'regression') return { regression: true, numClasses: 1 }
  if (task === 'classification') {
    const bad = negative ?? fraction
    if (bad) throw new ImportError(bad.file, `label ${fmt(bad.i)} is ${bad.v}, but class labels must be 0, 1, 2, … (task classification)`)
    if (max >= MAX_NPY_CLASSES) throw new ImportError(pairs[0]!.y.entry.rel, `labels go up to ${fmt(max)}: at most ${fmt(MAX_NPY_CLASSES)} classes`)
    return { regression: false, numClasses: max + 1 }
  }
  if (fraction) return { regression: true, numClasses: 1 }
  // whole numbers: classes, unless they are negative or too many to be classes (then ask)
  if (negative)
    throw new ImportError(negative.file, `label ${fmt(negative.i)} is ${negative.v}: class labels must be 0, 1, 2, …; if these are regression targets, ${ask}`)
  if (max >= MAX_AUTO_CLASSES)
    throw new ImportError(pairs[0]!.y.entry.rel, `labels are whole numbers up to ${fmt(max)}: ${fmt(max + 1)} classes, or a regression target? ${ask}`)
  return { regression: false, numClasses: max + 1 }
}

/** integer labels above this are not taken for classes without task: 'classification' */
const MAX_AUTO_CLASSES = 1000
const MAX_NPY_CLASSES = 100_000

async function readNpy(
  ctx: ReadContext,
  pairs: { split: 'train' | 'test' | null; x: NpyFile; y: NpyFile }[],
  inputShape: number[],
  all: FileEntry[],
): Promise<ReadOutcome> {
  const float = pairs[0]!.x.header.descr === '<f4'
  const feat = inputShape.reduce((a, b) => a * b, 1)
  const channels = inputShape.length === 3 ? inputShape[2]! : feat
  const isImage = inputShape.length === 3
  for (const p of pairs) {
    const n = p.x.header.shape[0]!
    ctx.budget.claim({
      file: p.x.entry.rel,
      what: `${fmt(n)} examples of ${inputShape.join('×')} ${float ? 'float32' : 'uint8'}`,
      bytes: n * (feat * (float ? 4 : 1) + 4),
      examples: n,
    })
  }
  const labels = pairs.map((p) => readLabels(p.y))
  const { regression, numClasses } = chooseTask(ctx, pairs, labels)
  const seed = ctx.options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = ctx.options.testFraction ?? DEFAULT_TEST_FRACTION
  const total = labels.reduce((s, l) => s + l.length, 0)
  const yTrain = regression ? growFloat() : growInt()
  const yTest = regression ? growFloat() : growInt()
  ctx.writer.begin(float ? 'float32' : 'uint8', feat, channels)
  let done = 0
  for (const [pi, p] of pairs.entries()) {
    const n = p.x.header.shape[0]!
    const mask = p.split ? null : splitMask(n, seed, fraction)
    const rowBytes = feat * (float ? 4 : 1)
    const perRead = Math.max(1, Math.floor((4 << 20) / rowBytes))
    const buf = new Uint8Array(perRead * rowBytes)
    const fd = openRegular(p.x.entry)
    try {
      for (let r0 = 0; r0 < n; r0 += perRead) {
        const k = Math.min(perRead, n - r0)
        let got: number
        try {
          got = readSync(fd, buf, 0, k * rowBytes, p.x.header.dataOffset + r0 * rowBytes)
        } catch (err) {
          throw new ImportError(p.x.entry.rel, fsReason(err))
        }
        if (got < k * rowBytes) throw new ImportError(p.x.entry.rel, 'shrank while being read')
        const rows = float ? new Float32Array(buf.buffer.slice(0, k * rowBytes)) : buf.subarray(0, k * rowBytes)
        for (let r = 0; r < k; r++) {
          const i = r0 + r
          const split = p.split ?? (mask![i] ? 'test' : 'train')
          const row = rows.subarray(r * feat, (r + 1) * feat)
          const y = labels[pi]![i]!
          if (float && !row.every(Number.isFinite)) {
            ctx.problems.warn(p.x.entry.rel, `row ${fmt(i)} holds NaN or infinity; skipped`)
            continue
          }
          ctx.writer.add(split, row)
          ;(split === 'train' ? yTrain : yTest).push(y)
          if (isImage && split === 'train' && !regression)
            ctx.thumbnails.offer(y, float ? toBytes(row) : (row as Uint8Array), inputShape[0]!, inputShape[1]!, channels)
        }
        done += k
        ctx.progress(done, total)
      }
    } finally {
      closeSync(fd)
    }
  }
  return {
    task: regression ? 'regression' : 'classification',
    inputShape,
    classNames: regression ? [] : (namesFromFile(all, ['classes.txt', 'labels.txt', 'class_names.txt'], numClasses) ?? genericNames(numClasses)),
    yTrain: yTrain.toArray(),
    yTest: yTest.toArray(),
    split: pairs[0]!.split ? null : { seed, testFraction: fraction },
    detail: `NumPy ${float ? 'float32' : 'uint8'}`,
  }
}

/** float pixels (0–1 or 0–255, whichever they look like) → bytes for a thumbnail */
function toBytes(row: Float32Array | Uint8Array): Uint8Array {
  let max = 0
  for (const v of row) if (v > max) max = v
  const scale = max <= 1.0001 ? 255 : 1
  return Uint8Array.from(row, (v) => Math.max(0, Math.min(255, Math.round(v * scale))))
}
