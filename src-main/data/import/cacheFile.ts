/**
 * The compact binary cache of one imported dataset, in the app's data folder (never the user's):
 *
 *   "SLDSET\0\1" | xTrain | xTest | yTrain | yTest | meta JSON | u32 LE meta length | "SLDSEND\0"
 *
 * x is stored as read (uint8 pixels stay one byte each; tables are float32), row-major, images
 * HWC; y is int32 class indices or float32 targets. Writing streams: test rows go to a side file
 * that is appended at the end, so sources may interleave splits. The file appears under its
 * final name only when complete (write to a temp name, fsync, rename). Temporary names carry
 * this host and process id, so one left by a killed import is recognized and removed
 * (`removeOrphanTemporaries`) by the next process, never one a live import is writing.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import type { DatasetInfo } from '../../contract/api'
import { asWriteError } from './errors'

const MAGIC = Buffer.from('SLDSET\0\x01', 'latin1')
const END = Buffer.from('SLDSEND\0', 'latin1')
const CHUNK = 4 << 20

export type XDtype = 'uint8' | 'float32'

export interface CacheMeta {
  version: 1
  task: 'classification' | 'regression'
  inputShape: number[]
  dtype: XDtype
  trainCount: number
  testCount: number
  numClasses: number
  classNames: string[]
  /** per channel (last input dimension), raw units, training split only */
  stats: { mean: number[]; std: number[] }
  /** the catalogue record, so an unchanged folder re-imports from this file alone */
  info: DatasetInfo
}

class SplitFile {
  private readonly buf = Buffer.allocUnsafe(CHUNK)
  private used = 0
  bytes = 0
  constructor(readonly fd: number) {}
  write(data: Uint8Array): void {
    let off = 0
    while (off < data.length) {
      const n = Math.min(CHUNK - this.used, data.length - off)
      this.buf.set(data.subarray(off, off + n), this.used)
      this.used += n
      off += n
      if (this.used === CHUNK) this.flush()
    }
    this.bytes += data.length
  }
  flush(): void {
    for (let off = 0; off < this.used;) off += writeSync(this.fd, this.buf, off, this.used - off)
    this.used = 0
  }
}

/** this host, in a form safe inside a file name */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
/** <cache name>.<host>-<pid>-<random>[.test].tmp */
const TEMP_NAME = /^(.+\.sldc)\.([0-9a-f]{8})-(\d+)-[0-9a-z]+(\.test)?\.tmp$/

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, as another user's process
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the temporaries of imports whose process is gone (killed, crashed, power cut) from a
 * cache folder; live imports of this or another process on this host are left alone, and so
 * are other hosts' (a shared folder). Returns the names removed. Never throws.
 */
export function removeOrphanTemporaries(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const m = TEMP_NAME.exec(name)
    if (!m || m[2] !== HOST_TAG || alive(Number(m[3]))) continue
    try {
      rmSync(join(dir, name), { force: true })
      removed.push(name)
    } catch {
      // a read-only folder: nothing we can do now; the next start tries again
    }
  }
  return removed
}

/** The temporaries of this process in `dir` (after a cancelled worker was stopped). */
export function removeOwnTemporaries(dir: string, tag: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) if (name.includes(`.${HOST_TAG}-${process.pid}-${tag}`) && TEMP_NAME.test(name)) rmSync(join(dir, name), { force: true })
}

/** Per-channel mean/std: exact histograms for bytes, shifted sums for floats. */
export class ChannelStats {
  private readonly hist: Float64Array | null
  private readonly sum: Float64Array
  private readonly sumSq: Float64Array
  private readonly shift: Float64Array
  private shifted = false
  private n = 0
  constructor(
    readonly channels: number,
    dtype: XDtype,
  ) {
    this.hist = dtype === 'uint8' ? new Float64Array(256 * channels) : null
    this.sum = new Float64Array(channels)
    this.sumSq = new Float64Array(channels)
    this.shift = new Float64Array(channels)
  }
  add(x: Uint8Array | Float32Array): void {
    const C = this.channels
    this.n += x.length / C
    if (this.hist) {
      const h = this.hist
      if (C === 1) for (let i = 0; i < x.length; i++) h[x[i]!]!++
      else for (let i = 0; i < x.length; i++) h[(i % C) * 256 + x[i]!]!++
      return
    }
    if (!this.shifted && x.length >= C) {
      for (let c = 0; c < C; c++) this.shift[c] = x[c]!
      this.shifted = true
    }
    for (let i = 0; i < x.length; i++) {
      const c = i % C
      const d = x[i]! - this.shift[c]!
      this.sum[c]! += d
      this.sumSq[c]! += d * d
    }
  }
  result(): { mean: number[]; std: number[] } {
    const mean: number[] = []
    const std: number[] = []
    for (let c = 0; c < this.channels; c++) {
      let m = 0
      let v = 0
      if (this.n === 0) {
        mean.push(0)
        std.push(1)
        continue
      }
      if (this.hist) {
        for (let k = 0; k < 256; k++) m += k * this.hist[c * 256 + k]!
        m /= this.n
        for (let k = 0; k < 256; k++) v += (k - m) ** 2 * this.hist[c * 256 + k]!
        v /= this.n
      } else {
        const d = this.sum[c]! / this.n
        m = this.shift[c]! + d
        v = Math.max(0, this.sumSq[c]! / this.n - d * d)
      }
      mean.push(m)
      std.push(Math.sqrt(v))
    }
    return { mean, std }
  }
}

export class CacheWriter {
  private readonly tmp: string
  private readonly tmpTest: string
  private train: SplitFile | null = null
  private test: SplitFile | null = null
  private stats: ChannelStats | null = null
  private layout: { dtype: XDtype; featureSize: number } | null = null
  counts = { train: 0, test: 0 }

  /** `tag`: letters and digits that name this import's temporaries (so its caller can remove them) */
  constructor(
    readonly file: string,
    tag = Math.random().toString(36).slice(2, 8),
  ) {
    this.guard(() => mkdirSync(dirname(file), { recursive: true }), dirname(file))
    const name = `${file}.${HOST_TAG}-${process.pid}-${tag}`
    this.tmp = `${name}.tmp`
    this.tmpTest = `${name}.test.tmp`
  }

  /** a failed write names the cache path and says why (disk full, read-only), not 'internal error' */
  private guard<T>(fn: () => T, path = this.file): T {
    try {
      return fn()
    } catch (err) {
      throw asWriteError(err, path, 'write the dataset cache')
    }
  }

  /** Fixes the row layout; call once the first example (or the header) has been read. */
  begin(dtype: XDtype, featureSize: number, channels: number): void {
    if (this.layout) {
      if (this.layout.dtype !== dtype || this.layout.featureSize !== featureSize) throw new Error('cache layout changed mid-import')
      return
    }
    this.layout = { dtype, featureSize }
    this.stats = new ChannelStats(channels, dtype)
    this.guard(() => {
      this.train = new SplitFile(openSync(this.tmp, 'w', 0o600))
      this.train.write(MAGIC)
      this.test = new SplitFile(openSync(this.tmpTest, 'w+', 0o600))
    })
  }

  get dtype(): XDtype {
    if (!this.layout) throw new Error('CacheWriter.dtype before begin')
    return this.layout.dtype
  }

  /** Appends whole rows (any number) to a split. */
  add(split: 'train' | 'test', x: Uint8Array | Float32Array): void {
    if (!this.layout || !this.train || !this.test) throw new Error('CacheWriter.add before begin')
    const rows = x.length / this.layout.featureSize
    if (split === 'train') this.stats!.add(x)
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
    const file = split === 'train' ? this.train : this.test
    this.guard(() => file.write(bytes))
    this.counts[split] += rows
  }

  trainStats(): { mean: number[]; std: number[] } {
    return this.stats ? this.stats.result() : { mean: [], std: [] }
  }

  /** Writes labels and meta, then moves the file into place; returns its size in bytes. */
  finish(yTrain: Int32Array | Float32Array, yTest: Int32Array | Float32Array, meta: CacheMeta): number {
    return this.guard(() => this.finishUnguarded(yTrain, yTest, meta))
  }

  private finishUnguarded(yTrain: Int32Array | Float32Array, yTest: Int32Array | Float32Array, meta: CacheMeta): number {
    if (!this.train || !this.test) throw new Error('CacheWriter.finish before begin')
    this.test.flush()
    const testFd = this.test.fd
    const piece = Buffer.allocUnsafe(CHUNK)
    for (let pos = 0; pos < this.test.bytes;) {
      const n = readSync(testFd, piece, 0, Math.min(CHUNK, this.test.bytes - pos), pos)
      this.train.write(piece.subarray(0, n))
      pos += n
    }
    this.train.write(new Uint8Array(yTrain.buffer, yTrain.byteOffset, yTrain.byteLength))
    this.train.write(new Uint8Array(yTest.buffer, yTest.byteOffset, yTest.byteLength))
    const json = Buffer.from(JSON.stringify(meta), 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32LE(json.length)
    this.train.write(json)
    this.train.write(len)
    this.train.write(END)
    this.train.flush()
    // durable before it is named: a power cut must not leave a complete-looking name on a partial file
    fsyncSync(this.train.fd)
    const size = this.train.bytes
    this.close()
    renameSync(this.tmp, this.file)
    syncFolder(dirname(this.file))
    return size
  }

  /** Removes the partial files (the import failed or was cancelled). */
  abort(): void {
    try {
      this.close()
    } catch {
      // the removal below is what matters
    }
    for (const f of [this.tmp, this.tmpTest]) {
      try {
        rmSync(f, { force: true })
      } catch {
        // left for removeOrphanTemporaries at the next start
      }
    }
  }

  private close(): void {
    const open = [this.train, this.test]
    this.train = this.test = null
    for (const f of open) if (f) closeSync(f.fd)
    rmSync(this.tmpTest, { force: true })
  }
}

function syncFolder(dir: string): void {
  if (process.platform === 'win32') return
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // the rename itself is done; a folder that cannot be synced costs durability only
  }
}

/** The meta of a complete cache file, or null when it is missing or not one of ours. */
export function readCacheMeta(file: string): CacheMeta | null {
  if (!existsSync(file)) return null
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    if (size < MAGIC.length + 12) return null
    const tail = Buffer.alloc(12)
    readSync(fd, tail, 0, 12, size - 12)
    if (!tail.subarray(4).equals(END)) return null
    const len = tail.readUInt32LE(0)
    if (len > size - 12 - MAGIC.length) return null
    const json = Buffer.alloc(len)
    readSync(fd, json, 0, len, size - 12 - len)
    const meta = JSON.parse(json.toString('utf8')) as CacheMeta
    return meta.version === 1 ? meta : null
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

export interface CacheArrays {
  meta: CacheMeta
  xTrain: Uint8Array | Float32Array
  xTest: Uint8Array | Float32Array
  yTrain: Int32Array | Float32Array
  yTest: Int32Array | Float32Array
}

/** Reads a cache; with `limits`, only the first rows of each split (trainLimit/testLimit of a run). */
export function readCache(file: string, limits: { train?: number; test?: number } = {}): CacheArrays {
  const meta = readCacheMeta(file)
  if (!meta) throw new Error(`${file} is not a complete Spline Lab dataset cache`)
  const feat = meta.inputShape.reduce((a, b) => a * b, 1)
  const bx = meta.dtype === 'uint8' ? 1 : 4
  const nTrain = Math.min(meta.trainCount, limits.train ?? Infinity)
  const nTest = Math.min(meta.testCount, limits.test ?? Infinity)
  const fd = openSync(file, 'r')
  try {
    const take = (pos: number, bytes: number) => {
      const out = new ArrayBuffer(bytes)
      for (let got = 0; got < bytes;) {
        const n = readSync(fd, new Uint8Array(out, got), 0, bytes - got, pos + got)
        if (n === 0) throw new Error(`${file} is truncated`)
        got += n
      }
      return out
    }
    const xAt = MAGIC.length
    const yAt = xAt + (meta.trainCount + meta.testCount) * feat * bx
    const xOf = (pos: number, rows: number) => (bx === 1 ? new Uint8Array(take(pos, rows * feat)) : new Float32Array(take(pos, rows * feat * 4)))
    const yOf = (pos: number, rows: number) => (meta.task === 'regression' ? new Float32Array(take(pos, rows * 4)) : new Int32Array(take(pos, rows * 4)))
    const xTrain = xOf(xAt, nTrain)
    const xTest = xOf(xAt + meta.trainCount * feat * bx, nTest)
    const yTrain = yOf(yAt, nTrain)
    const yTest = yOf(yAt + meta.trainCount * 4, nTest)
    return { meta, xTrain, xTest, yTrain, yTest }
  } finally {
    closeSync(fd)
  }
}
