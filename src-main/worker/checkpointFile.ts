/**
 * The on-disk container of a checkpoint: a JSON header and 8-byte aligned binary blobs, each
 * with its own CRC-32, so a reader can take only the parts it needs (the weights of one epoch for
 * a partition view, the codes of many for a resume) and still know they are intact.
 *
 *   "SPLCKPT1" | u32 header bytes | u32 crc32(header) | header JSON | pad | blob | pad | blob …
 *
 * Files are written to a temporary name, fsynced, renamed over the final name and the folder
 * fsynced: after a crash the final name holds a whole file or nothing.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { setting } from '../settings/settings'

const MAGIC = Buffer.from('SPLCKPT1', 'latin1')
const PREFIX = MAGIC.length + 8
/** a header larger than this is not one of ours (masks, selections and specs are small) */
const MAX_HEADER = 64 << 20

export type BlobType = 'float32' | 'uint32'

export interface BlobRef {
  name: string
  type: BlobType
  offset: number
  bytes: number
  crc: number
}

export interface Blob {
  name: string
  data: Float32Array | Uint32Array
}

export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`checkpoint ${file}: ${problem}`)
    this.name = 'CheckpointError'
  }
}

const align8 = (n: number) => (n + 7) & ~7

function view(data: Float32Array | Uint32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** Encodes and durably writes `header` (plain JSON) and `blobs` to `file`. */
export function writeContainer(file: string, header: object, blobs: Blob[], epoch: number): number {
  const refs: BlobRef[] = []
  let offset = 0
  for (const b of blobs) {
    const bytes = b.data.byteLength
    refs.push({ name: b.name, type: b.data instanceof Float32Array ? 'float32' : 'uint32', offset, bytes, crc: crc32(view(b.data)) })
    offset = align8(offset + bytes)
  }
  const json = Buffer.from(JSON.stringify({ ...header, blobs: refs }), 'utf8')
  const start = align8(PREFIX + json.length)
  const prefix = Buffer.alloc(start)
  MAGIC.copy(prefix, 0)
  prefix.writeUInt32LE(json.length, MAGIC.length)
  prefix.writeUInt32LE(crc32(json), MAGIC.length + 4)
  json.copy(prefix, PREFIX)
  const total = start + offset
  const tmp = `${file}.tmp-${process.pid}`
  let fd: number | null = null
  try {
    fd = openSync(tmp, 'w', 0o600)
    writeAll(fd, prefix, 0)
    const half = Math.floor(blobs.length / 2)
    blobs.forEach((b, i) => {
      // The test hook acts mid-file so that kills and failures land in a half-written temp file.
      if (i === half) testHooks().duringWrite(epoch, tmp)
      writeAll(fd!, view(b.data), start + refs[i]!.offset)
    })
    if (blobs.length === 0) testHooks().duringWrite(epoch, tmp)
    fsyncSync(fd)
    closeSync(fd)
    fd = null
    renameSync(tmp, file)
    syncFolder(dirname(file))
    return total
  } catch (err) {
    if (fd !== null) closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done)
}

/** Makes a rename durable (POSIX); folders cannot be opened for sync on Windows, where rename is. */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export interface Container<H> {
  header: H & { blobs: BlobRef[] }
  /** reads and verifies one blob; null when the file has no blob of that name */
  blob(name: string): Float32Array | Uint32Array | null
  close(): void
}

/** Opens a container and verifies its header; blobs are read (and verified) on demand. */
export function openContainer<H>(file: string): Container<H> {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const prefix = Buffer.alloc(PREFIX)
    if (size < PREFIX || readSync(fd, prefix, 0, PREFIX, 0) !== PREFIX || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new CheckpointError(basename(file), 'not a Spline Lab checkpoint')
    }
    const length = prefix.readUInt32LE(MAGIC.length)
    if (length > MAX_HEADER || PREFIX + length > size) throw new CheckpointError(basename(file), 'truncated header')
    const json = Buffer.alloc(length)
    readSync(fd, json, 0, length, PREFIX)
    if (crc32(json) !== prefix.readUInt32LE(MAGIC.length + 4)) throw new CheckpointError(basename(file), 'header checksum mismatch (damaged file)')
    const header = JSON.parse(json.toString('utf8')) as H & { blobs: BlobRef[] }
    const start = align8(PREFIX + length)
    const refs = new Map(header.blobs.map((b) => [b.name, b]))
    return {
      header,
      blob(name) {
        const ref = refs.get(name)
        if (!ref) return null
        if (start + ref.offset + ref.bytes > size) throw new CheckpointError(basename(file), `blob '${name}' is truncated`)
        const buf = Buffer.alloc(ref.bytes)
        readSync(fd, buf, 0, ref.bytes, start + ref.offset)
        if (crc32(buf) !== ref.crc) throw new CheckpointError(basename(file), `blob '${name}' checksum mismatch (damaged file)`)
        const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
        return ref.type === 'float32' ? new Float32Array(ab) : new Uint32Array(ab)
      },
      close: () => closeSync(fd),
    }
  } catch (err) {
    closeSync(fd)
    throw err
  }
}

//#region test hooks

/**
 * SPLINE_LAB_TEST_HOOKS (JSON), for the crash tests only: `checkpointSleepMs` holds every
 * checkpoint write (of epochs ≥ `checkpointSleepFrom`) half-way through its temp file; `checkpointFail` ('ENOSPC', 'EACCES', …) with
 * optional `checkpointFailAt` (epoch) makes a write fail there like a full or read-only disk;
 * `pruneSleepMs` holds the run inside pruning; `replicaExitAtStep` makes the first replica of a
 * data-parallel run exit (as a crash would) at that step. Unset in normal use.
 */
interface Hooks {
  replicaExitAtStep?: number
  checkpointSleepMs?: number
  checkpointSleepFrom?: number
  checkpointFail?: string
  checkpointFailAt?: number
  pruneSleepMs?: number
}

let parsed: Hooks | null = null

export function testHooks() {
  parsed ??= readHooks()
  const hooks = parsed
  return {
    duringWrite(epoch: number, file: string): void {
      if (hooks.checkpointSleepMs && epoch >= (hooks.checkpointSleepFrom ?? 0)) sleepSync(hooks.checkpointSleepMs)
      if (hooks.checkpointFail && (hooks.checkpointFailAt === undefined || hooks.checkpointFailAt === epoch)) {
        const err = new Error(`${hooks.checkpointFail}: injected by SPLINE_LAB_TEST_HOOKS, write '${file}'`) as NodeJS.ErrnoException
        err.code = hooks.checkpointFail
        throw err
      }
    },
    duringPruning(): void {
      if (hooks.pruneSleepMs) sleepSync(hooks.pruneSleepMs)
    },
    replicaFaults(): { exitAtStep: number }[] | undefined {
      return hooks.replicaExitAtStep ? [{ exitAtStep: hooks.replicaExitAtStep }] : undefined
    },
  }
}

function readHooks(): Hooks {
  return setting('testHooks') as Hooks
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

//#endregion
