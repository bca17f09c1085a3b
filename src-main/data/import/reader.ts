/**
 * What every format reader gets and gives: readers stream rows into the CacheWriter and return
 * labels and shapes; the orchestrator (importFolder.ts) turns that into the dataset record.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import type { DatasetFormat, DatasetImportOptions } from '../../contract/api'
import type { ImportBudget } from './budget'
import type { CacheWriter } from './cacheFile'
import { ImportError, fsReason, type Problems } from './errors'
import type { Thumbnails } from './images'
import type { FileEntry } from './walk'

export interface ReadContext {
  root: string
  options: DatasetImportOptions
  problems: Problems
  writer: CacheWriter
  thumbnails: Thumbnails
  /** claims are checked here before the data behind them is read */
  budget: ImportBudget
  /** reports progress; throws ImportCancelled once the import is cancelled */
  progress(done: number, total: number | null): void
}

export interface ReadOutcome {
  task: 'classification' | 'regression'
  inputShape: number[]
  classNames: string[]
  yTrain: Int32Array | Float32Array
  yTest: Int32Array | Float32Array
  /** the split made by us, or null when the folder had one */
  split: { seed: number; testFraction: number } | null
  /** one phrase for the description, e.g. 'IDX, gzip' */
  detail: string
}

export interface FormatPlan {
  format: DatasetFormat
  /** the files this format reads: their names, sizes and times make the content key */
  files: FileEntry[]
  read(ctx: ReadContext): Promise<ReadOutcome>
}

/**
 * Opens a file of the dropped folder for reading; ImportError naming it unless it is a regular
 * file. Non-blocking, so a FIFO swapped in after the walk cannot hang the import in open().
 */
export function openRegular(entry: FileEntry): number {
  let fd: number
  try {
    fd = openSync(entry.abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (err) {
    throw new ImportError(entry.rel, fsReason(err))
  }
  let regular = false
  try {
    regular = fstatSync(fd).isFile()
  } catch {
    // reported below
  }
  if (!regular) {
    closeSync(fd)
    throw new ImportError(entry.rel, 'is not a regular file (a pipe, socket or device)')
  }
  return fd
}

/** First `n` bytes of a file (fewer if it is shorter); ImportError naming it if unreadable. */
export function readHead(entry: FileEntry, n: number): Buffer {
  const fd = openRegular(entry)
  try {
    const buf = Buffer.alloc(Math.min(n, entry.size))
    let got = 0
    while (got < buf.length) {
      const k = readSync(fd, buf, got, buf.length - got, got)
      if (k === 0) break
      got += k
    }
    return buf.subarray(0, got)
  } catch (err) {
    throw new ImportError(entry.rel, fsReason(err))
  } finally {
    closeSync(fd)
  }
}

/** Class names from a names file beside the data (one per line), if it has exactly `count`. */
export function namesFromFile(files: FileEntry[], candidates: string[], count: number): string[] | null {
  for (const name of candidates) {
    const entry = files.find((f) => f.rel.toLowerCase() === name)
    if (!entry || entry.size > 1 << 20) continue
    try {
      const lines = readHead(entry, entry.size)
        .toString('utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
      if (lines.length === count) return lines
    } catch {
      // a names file we cannot read just means generic names
    }
  }
  return null
}

export const genericNames = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i))

export const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

/** Which split a file name says: train, test, or neither. */
export function splitOfName(rel: string): 'train' | 'test' | null {
  const base = rel.toLowerCase().split('/').pop()!
  if (/t10k|test/.test(base)) return 'test'
  if (/train|data_batch/.test(base)) return 'train'
  return null
}
