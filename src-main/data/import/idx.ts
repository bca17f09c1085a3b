/**
 * MNIST-family IDX files (LeCun's format), gzipped or not, recognized by their magic number:
 * 0x00 0x00 <type> <ndims>, then ndims big-endian u32 sizes, then the data. Image files are
 * streamed through gunzip record by record; label files are small and read whole.
 */
import { createReadStream } from 'node:fs'
import { createGunzip, gunzipSync, constants as zc } from 'node:zlib'
import { DataFolderWriteError, ImportError, fmt, fsReason } from './errors'
import { MAX_PIXELS } from './images'
import { openRegular, readHead, type FormatPlan, type ReadContext, type ReadOutcome, FASHION_NAMES, genericNames, namesFromFile, splitOfName } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, growInt, splitMask } from './split'
import type { FileEntry } from './walk'

const TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' }

export interface IdxHeader {
  gzip: boolean
  type: number
  dims: number[]
  headerBytes: number
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b

/** An IDX magic number (0x00 0x00 <known type> <1–4 dims>), whether or not the dims follow. */
const hasIdxMagic = (head: Uint8Array) => head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2]! in TYPES && head[3]! >= 1 && head[3]! <= 4

/** Parses an IDX header from the first (decompressed) bytes; null if it is not IDX at all. */
export function parseIdxHeader(head: Uint8Array, gzip: boolean): IdxHeader | null {
  if (!hasIdxMagic(head)) return null
  const ndims = head[3]!
  if (head.length < 4 + 4 * ndims) return null
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i))
  return { gzip, type: head[2]!, dims, headerBytes: 4 + 4 * ndims }
}

/** The first bytes of the (possibly gzipped) content, enough for any IDX header. */
export function idxHead(entry: FileEntry): { head: Uint8Array; gzip: boolean } {
  const raw = readHead(entry, 4096)
  if (!isGzip(raw)) return { head: raw, gzip: false }
  try {
    return { head: gunzipSync(raw, { finishFlush: zc.Z_SYNC_FLUSH }).subarray(0, 64), gzip: true }
  } catch (err) {
    throw new ImportError(entry.rel, `not valid gzip data (${zlibReason(err)})`)
  }
}

export const looksLikeIdxName = (rel: string) => /idx\d-ubyte/i.test(rel)

/** decompressed bytes read past the last record, for gzip's end-of-stream check (CRC, length) */
const MAX_TRAILING = 1 << 20

/**
 * Streams the data part of an IDX file in whole records; checks the count against the header.
 * Linear in the file: records inside a chunk are handed on in place, and the one record a chunk
 * boundary cuts is assembled in a buffer of one record. Reading stops soon after the last
 * promised record (for gzip, after its checksum), so trailing bytes (some writers pad; a bomb
 * appends gigabytes) are never decompressed.
 * `onRecords` must copy what it keeps: the buffer is reused.
 */
export async function streamIdx(entry: FileEntry, header: IdxHeader, onRecords: (records: Uint8Array, count: number) => void): Promise<void> {
  const recordSize = header.dims.slice(1).reduce((a, b) => a * b, 1)
  const expected = header.dims[0]!
  if (recordSize === 0) throw new ImportError(entry.rel, `has a zero-sized dimension (${header.dims.join('×')}): no data per record`)
  if (expected === 0) return
  const fd = openRegular(entry)
  const file = createReadStream('', { fd, highWaterMark: 1 << 20 })
  const gunzip = header.gzip ? createGunzip({ chunkSize: 1 << 20 }) : null
  const stream = gunzip ? file.pipe(gunzip) : file
  file.on('error', (err) => stream.destroy(err))
  const partial = Buffer.allocUnsafe(Math.min(recordSize, 1 << 30))
  let have = 0
  let skip = header.headerBytes
  let seen = 0
  let trailing = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = chunk
      if (skip) {
        const s = Math.min(skip, data.length)
        data = data.subarray(s)
        skip -= s
      }
      if (have && data.length) {
        const take = Math.min(recordSize - have, data.length)
        data.copy(partial, have, 0, take)
        have += take
        data = data.subarray(take)
        if (have === recordSize) {
          onRecords(partial, 1)
          seen++
          have = 0
        }
      }
      if (seen === expected) {
        // bytes after the last promised record are ignored (some writers pad); a little is read
        // on so gzip's own check of the whole stream runs, gigabytes of it are not
        trailing += data.length
        if (!header.gzip || trailing > MAX_TRAILING) break
        continue
      }
      const whole = Math.min(Math.floor(data.length / recordSize), expected - seen)
      if (whole > 0) onRecords(data.subarray(0, whole * recordSize), whole)
      seen += whole
      if (seen === expected) {
        trailing = data.length - whole * recordSize
        if (!header.gzip || trailing > MAX_TRAILING) break
        continue
      }
      const rest = data.length - whole * recordSize
      if (rest > 0) {
        data.copy(partial, 0, whole * recordSize)
        have = rest
      }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // only the stream's own failures are the file's; the consumer's (cancelled, disk full) pass
    if (err instanceof ImportError || err instanceof DataFolderWriteError || !code) throw err
    if (code.startsWith('Z_') || /unexpected end|incorrect header|invalid/i.test((err as Error).message)) {
      throw new ImportError(entry.rel, `gzip data is corrupt or cut short (${zlibReason(err)}) after ${fmt(seen)} of ${fmt(expected)} records`)
    }
    throw new ImportError(entry.rel, fsReason(err))
  } finally {
    gunzip?.destroy()
    file.destroy()
  }
  if (skip) throw new ImportError(entry.rel, 'truncated: the file ends inside its header')
  if (seen < expected) {
    throw new ImportError(
      entry.rel,
      `truncated: the header promises ${fmt(expected)} records of ${fmt(recordSize)} bytes but the file holds ${fmt(seen)}${have ? ` and ${fmt(have)} bytes` : ''}`,
    )
  }
}

/** zlib's reason without its internals, e.g. 'incorrect header check' */
function zlibReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0]!.slice(0, 120)
}

interface IdxFile {
  entry: FileEntry
  header: IdxHeader
  split: 'train' | 'test' | null
}

/** Finds IDX image/label pairs among the top-level files, or returns null if there are none. */
export function planIdx(top: FileEntry[], all: FileEntry[]): FormatPlan | null {
  const found: IdxFile[] = []
  for (const entry of top) {
    if (entry.size === 0) {
      if (looksLikeIdxName(entry.rel)) throw new ImportError(entry.rel, 'is empty (0 bytes): an IDX file holds at least its 4-byte magic number')
      continue
    }
    const { head, gzip } = idxHead(entry)
    const header = parseIdxHeader(head, gzip)
    if (!header) {
      if (hasIdxMagic(head)) {
        const want = 4 + 4 * head[3]!
        throw new ImportError(
          entry.rel,
          `truncated: the file ends inside its header (${fmt(head.length)} of ${want} bytes: magic number 0x${hex(head)} and ${head[3]} dimension sizes)`,
        )
      }
      if (looksLikeIdxName(entry.rel)) {
        const magic = hex(head).padEnd(8, '?')
        throw new ImportError(
          entry.rel,
          head.length < 4
            ? `truncated: the file ends inside its magic number (${head.length} of 4 bytes: 0x${magic})`
            : `wrong magic number 0x${magic}: an IDX file starts with 0x00000803 (images) or 0x00000801 (labels)`,
        )
      }
      continue
    }
    if (header.type !== 0x08) throw new ImportError(entry.rel, `IDX data type ${TYPES[header.type]} is not supported (only unsigned bytes, type 0x08)`)
    if (header.dims.slice(1).some((d) => d === 0)) throw new ImportError(entry.rel, `has a zero-sized dimension (${header.dims.join('×')}): records of no data`)
    if (header.dims.length >= 2 && header.dims[1]! * (header.dims[2] ?? 1) > MAX_PIXELS)
      throw new ImportError(entry.rel, `header says images of ${header.dims.slice(1).join('×')}, beyond the ${MAX_PIXELS / 1e6}-megapixel limit`)
    if (!gzip) {
      // a plain file must hold what its header promises: said at once, without reading it
      const record = header.dims.slice(1).reduce((a, b) => a * b, 1)
      const avail = entry.size - header.headerBytes
      if (avail < header.dims[0]! * record)
        throw new ImportError(
          entry.rel,
          `truncated: the header promises ${fmt(header.dims[0]!)} records of ${fmt(record)} bytes but the file holds ${fmt(Math.floor(avail / record))}${avail % record ? ` and ${fmt(avail % record)} bytes` : ''}`,
        )
    }
    found.push({ entry, header, split: splitOfName(entry.rel) })
  }
  if (!found.length) return null
  const images = found.filter((f) => f.header.dims.length >= 2)
  const labels = found.filter((f) => f.header.dims.length === 1)
  // without a test file the whole set is split by us (seeded, recorded)
  const splits = images.some((f) => f.split === 'test') ? (['train', 'test'] as const) : ([null] as const)
  const pairs = splits.map((split) => {
    const im = images.filter((f) => split === null || f.split === split)
    const lb = labels.filter((f) => split === null || f.split === split)
    const what = split ?? 'the'
    if (im.length === 0)
      throw new ImportError(
        lb[0]?.entry.rel ?? found[0]!.entry.rel,
        `no IDX image file for the ${what} split (expected e.g. ${split === 'test' ? 't10k' : 'train'}-images-idx3-ubyte)`,
      )
    if (lb.length === 0)
      throw new ImportError(im[0]!.entry.rel, `has no matching IDX labels file (e.g. ${im[0]!.entry.rel.replace(/images-idx\d/, 'labels-idx1')})`)
    if (im.length > 1 || lb.length > 1)
      throw new ImportError(
        [...im, ...lb].map((f) => f.entry.rel).join(', '),
        `several IDX files for the ${what} split; keep one images and one labels file per split`,
      )
    const [i, l] = [im[0]!, lb[0]!]
    if (i.header.dims[0] !== l.header.dims[0]) {
      throw new ImportError(
        i.entry.rel,
        `holds ${fmt(i.header.dims[0]!)} images but ${l.entry.rel} holds ${fmt(l.header.dims[0]!)} labels: the counts must agree`,
      )
    }
    return { split, images: i, labels: l }
  })
  const shape = pairs[0]!.images.header.dims.slice(1)
  for (const p of pairs) {
    if (p.images.header.dims.slice(1).join('x') !== shape.join('x'))
      throw new ImportError(
        p.images.entry.rel,
        `images are ${p.images.header.dims.slice(1).join('×')}, but ${pairs[0]!.images.entry.rel} has ${shape.join('×')}`,
      )
  }
  const inputShape = shape.length === 2 ? [...shape, 1] : shape
  if (inputShape.length !== 3 || ![1, 3].includes(inputShape[2]!))
    throw new ImportError(pairs[0]!.images.entry.rel, `image shape ${shape.join('×')} is not H×W, H×W×1 or H×W×3`)
  return {
    format: 'idx',
    files: pairs.flatMap((p) => [p.images.entry, p.labels.entry]),
    read: (ctx) => readIdxPairs(ctx, pairs, inputShape, all),
  }
}

async function readIdxPairs(
  ctx: ReadContext,
  pairs: { split: 'train' | 'test' | null; images: IdxFile; labels: IdxFile }[],
  inputShape: number[],
  all: FileEntry[],
): Promise<ReadOutcome> {
  const [h, w, c] = inputShape as [number, number, number]
  const feat = h * w * c
  const total = pairs.reduce((s, p) => s + p.images.header.dims[0]!, 0)
  const seed = ctx.options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = ctx.options.testFraction ?? DEFAULT_TEST_FRACTION
  if (ctx.options.task === 'regression') throw new ImportError(pairs[0]!.labels.entry.rel, "IDX labels are classes: task 'regression' does not apply")
  for (const p of pairs) {
    const n = p.images.header.dims[0]!
    ctx.budget.claim({
      file: p.images.entry.rel,
      what: `${fmt(n)} images of ${p.images.header.dims.slice(1).join('×')}`,
      bytes: n * (feat + 4),
      examples: n,
      compressedBytes: p.images.header.gzip ? p.images.entry.size + (p.labels.header.gzip ? p.labels.entry.size : 0) : undefined,
    })
  }
  const yTrain = growInt()
  const yTest = growInt()
  let done = 0
  ctx.writer.begin('uint8', feat, c)
  for (const pair of pairs) {
    const lab = new Uint8Array(pair.labels.header.dims[0]!)
    let at = 0
    await streamIdx(pair.labels.entry, pair.labels.header, (records) => {
      lab.set(records, at)
      at += records.length
    })
    const mask = pair.split ? null : splitMask(lab.length, seed, fraction)
    let i = 0
    await streamIdx(pair.images.entry, pair.images.header, (records, count) => {
      for (let k = 0; k < count; k++, i++) {
        const split = pair.split ?? (mask![i] ? 'test' : 'train')
        const row = records.subarray(k * feat, (k + 1) * feat)
        ctx.writer.add(split, row)
        ;(split === 'train' ? yTrain : yTest).push(lab[i]!)
        if (split === 'train') ctx.thumbnails.offer(lab[i]!, row, h, w, c)
      }
      done += count
      ctx.progress(done, total)
    })
  }
  const [yTr, yTe] = [yTrain.toArray(), yTest.toArray()]
  const numClasses = Math.max(maxOf(yTr), maxOf(yTe)) + 1
  const named = namesFromFile(all, ['classes.txt', 'labels.txt', 'class_names.txt'], numClasses)
  const fashion = /fashion/i.test(ctx.root) && numClasses === 10
  return {
    task: 'classification',
    inputShape,
    classNames: named ?? (fashion ? FASHION_NAMES : genericNames(numClasses)),
    yTrain: yTr,
    yTest: yTe,
    split: pairs[0]!.split ? null : { seed, testFraction: fraction },
    detail: pairs.some((p) => p.images.header.gzip) ? 'IDX, gzip' : 'IDX',
  }
}

const hex = (head: Uint8Array) => Buffer.from(head.subarray(0, 4)).toString('hex')

function maxOf(a: Int32Array): number {
  let m = 0
  for (const v of a) if (v > m) m = v
  return m
}
