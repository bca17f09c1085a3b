/**
 * The import budget: what a folder claims (header dimensions, image sizes, CSV rows as they are
 * read) is checked before the data is read, so a few hundred kilobytes that promise gigabytes
 * are refused in one line instead of filling memory and disk. Three limits:
 *
 * - the cache may hold at most `maxBytes` (default DEFAULT_MAX_BYTES);
 * - compressed input (gzip IDX, PNG, JPEG) may claim at most EXPANSION times its own size
 *   (at least EXPANSION_FLOOR) unless `maxBytes` is given: real images and digits compress a few
 *   times, a decompression bomb a thousand times;
 * - at most maxBytes / BYTES_PER_EXAMPLE examples, because labels, the split and per-example
 *   bookkeeping live in memory during the import.
 *
 * The disk holding the cache must have room for the claim, too.
 */
import { statfsSync } from 'node:fs'
import { DataFolderWriteError, ImportError, bytesText, fmt } from './errors'

export const DEFAULT_MAX_BYTES = 4 * 2 ** 30
export const EXPANSION = 100
export const EXPANSION_FLOOR = 64 * 2 ** 20
export const BYTES_PER_EXAMPLE = 128

export interface Claim {
  /** the file (relative) or folder the claim comes from */
  file: string
  /** what it claims, in words, e.g. "60,000 images of 28×28" */
  what: string
  /** bytes the cache would hold (inputs and labels) */
  bytes: number
  examples: number
  /** the size of the compressed input behind the claim, when it is compressed */
  compressedBytes?: number
}

export class ImportBudget {
  private claimed = 0
  private examples = 0
  private free: number | null | undefined

  constructor(
    /** the explicit option, or undefined for the defaults */
    readonly maxBytes: number | undefined,
    /** the folder the cache goes to (for the free-space check) */
    private readonly cacheDir: string,
  ) {}

  get limit(): number {
    return this.maxBytes ?? DEFAULT_MAX_BYTES
  }

  /** Adds a claim; throws before anything is read when it goes beyond the budget or the disk. */
  claim(c: Claim): void {
    this.check(c)
    this.claimed += c.bytes
    this.examples += c.examples
  }

  /** Checks a claim on top of what is claimed so far, without adding it (memory held only for a while). */
  check(c: Claim): void {
    const bytes = this.claimed + c.bytes
    const examples = this.examples + c.examples
    const raise = (need: number) => {
      const suggest = nextRound(need)
      return `if the data is genuine, import again with a larger budget (CLI --max-bytes ${suggest}, import option maxBytes: ${suggest})`
    }
    if (!Number.isFinite(c.bytes) || bytes > this.limit)
      throw new ImportError(
        c.file,
        `claims ${c.what} (${bytesText(bytes)} in the cache${bytes !== c.bytes ? ' with what was claimed before' : ''}), beyond the import budget of ${bytesText(this.limit)}; ${raise(bytes)}`,
      )
    const maxExamples = Math.floor(this.limit / BYTES_PER_EXAMPLE)
    if (examples > maxExamples)
      throw new ImportError(
        c.file,
        `claims ${c.what}, more than the ${fmt(maxExamples)} examples the import budget of ${bytesText(this.limit)} allows (${BYTES_PER_EXAMPLE} bytes each for labels and bookkeeping); ${raise(examples * BYTES_PER_EXAMPLE)}`,
      )
    if (this.maxBytes === undefined && c.compressedBytes !== undefined) {
      const allowed = Math.max(EXPANSION_FLOOR, EXPANSION * c.compressedBytes)
      if (c.bytes > allowed)
        throw new ImportError(
          c.file,
          `claims ${c.what} (${bytesText(c.bytes)}) from ${bytesText(c.compressedBytes)} of compressed data, more than the ${EXPANSION}-fold expansion real data has (a decompression bomb?); ${raise(c.bytes)}`,
        )
    }
    const free = this.freeBytes()
    if (free !== null && bytes > free)
      throw new DataFolderWriteError(this.cacheDir, 'ENOSPC', `hold the ${bytesText(bytes)} this import needs`, `the disk has ${bytesText(free)} free`)
  }

  private freeBytes(): number | null {
    if (this.free === undefined) {
      try {
        const s = statfsSync(this.cacheDir)
        this.free = s.bavail * s.bsize
      } catch {
        this.free = null
      }
    }
    return this.free
  }
}

/** a round number of bytes at least n: 1, 2 or 5 × a power of ten */
function nextRound(n: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, n)))
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p
  return 10 * p
}
