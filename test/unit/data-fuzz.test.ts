/**
 * Fuzzing the binary parsers: random bytes, truncations and byte flips of valid IDX, CIFAR,
 * .npy, PNG and JPEG data. Every case must end cleanly: a result, or an Error with a one-line
 * message (an ImportError naming the file, at folder level) — never a hang, crash or RangeError
 * from a lying header. Seeded, so a failure replays.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createRng, type Rng } from '../../src-main/core/random'
import { parseIdxHeader } from '../../src-main/data/import/idx'
import { parseNpyHeader } from '../../src-main/data/import/npy'
import { decodeImage, readImageHeader } from '../../src-main/data/import/images'
import { readCacheMeta } from '../../src-main/data/import/cacheFile'
import { importFolder } from '../../src-main/data/import/importFolder'
import { ImportError } from '../../src-main/data/import/errors'
import { tempDir } from '../helpers/tmp'
import { cifarBytes, idxBytes, jpegBytes, npyBytes, pngBytes, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-fuzz-')
afterAll(() => tmp.cleanup())

function randomBytes(rng: Rng, max: number): Uint8Array {
  return Uint8Array.from({ length: rng.int(max) }, () => rng.int(256))
}

/** one of: random bytes, a prefix of a valid file, a valid file with a few bytes changed */
function mutate(rng: Rng, valid: Uint8Array): Uint8Array {
  const pick = rng.int(3)
  if (pick === 0) return randomBytes(rng, 2 * valid.length + 16)
  if (pick === 1) return valid.slice(0, rng.int(valid.length))
  const out = valid.slice()
  for (let k = 1 + rng.int(6); k > 0; k--) out[rng.int(out.length)] = rng.int(256)
  return out
}

function cleanly(fn: () => unknown): 'ok' | 'error' {
  try {
    fn()
    return 'ok'
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(RangeError)
    expect((err as Error).message.split('\n')).toHaveLength(1)
    return 'error'
  }
}

describe('binary parsers under fuzzing', () => {
  it('IDX headers: 1,000 cases never throw and never promise more than the bytes hold', () => {
    const rng = createRng(1)
    const valid = idxBytes('images', new Uint8Array(64), 4)
    for (let i = 0; i < 1000; i++) {
      const bytes = mutate(rng, valid)
      const h = parseIdxHeader(bytes, false)
      if (h) expect(h.headerBytes).toBeLessThanOrEqual(bytes.length)
    }
  })

  it('.npy headers: 1,000 cases end cleanly; accepted headers fit the file', () => {
    const rng = createRng(2)
    const valid = npyBytes('<f4', [3, 4], new Float32Array(12))
    const seen = { ok: 0, error: 0 }
    for (let i = 0; i < 1000; i++) {
      const bytes = mutate(rng, valid)
      seen[
        cleanly(() => {
          const h = parseNpyHeader(bytes, bytes.length)
          expect(h.dataOffset).toBeLessThanOrEqual(bytes.length)
        })
      ]++
    }
    expect(seen.error).toBeGreaterThan(0)
  })

  it('PNG and JPEG: 1,500 headers and decodes end cleanly', () => {
    const rng = createRng(3)
    const valids = [pngBytes(6, 5, 3), pngBytes(7, 7, 1), jpegBytes(8, 8)]
    const seen = { ok: 0, error: 0 }
    for (let i = 0; i < 1500; i++) {
      const bytes = mutate(rng, valids[i % 3]!)
      seen[cleanly(() => decodeImage(bytes, readImageHeader(bytes), 3))]++
    }
    expect(seen.ok).toBeGreaterThan(0)
    expect(seen.error).toBeGreaterThan(0)
  })

  it('cache files: 300 damaged caches are refused, not misread', async () => {
    const root = join(tmp.dir, 'cache-src')
    write(root, 'train-images-idx3-ubyte', idxBytes('images', new Uint8Array(64), 4))
    write(root, 'train-labels-idx1-ubyte', idxBytes('labels', Uint8Array.from([0, 1, 0, 1]), 4))
    const { cacheFile } = await importFolder(root, {}, { dataDir: join(tmp.dir, 'cache-app') })
    const { readFileSync, writeFileSync } = await import('node:fs')
    const valid = readFileSync(cacheFile)
    const rng = createRng(4)
    const file = join(tmp.dir, 'damaged.sldc')
    for (let i = 0; i < 300; i++) {
      writeFileSync(file, mutate(rng, valid))
      cleanly(() => readCacheMeta(file))
    }
  })
})

describe('folder imports under fuzzing', () => {
  const dataDir = join(tmp.dir, 'app')
  const kinds = {
    idx: () => ({
      'train-images-idx3-ubyte': idxBytes(
        'images',
        new Uint8Array(6 * 16).map((_, i) => i),
        6,
      ),
      'train-labels-idx1-ubyte': idxBytes('labels', Uint8Array.from([0, 1, 2, 0, 1, 2]), 6),
    }),
    'idx.gz': () => ({
      'train-images-idx3-ubyte.gz': gzipSync(idxBytes('images', new Uint8Array(6 * 16), 6)),
      'train-labels-idx1-ubyte.gz': gzipSync(idxBytes('labels', Uint8Array.from([0, 1, 2, 0, 1, 2]), 6)),
    }),
    cifar: () => ({ 'data_batch_1.bin': cifarBytes(4, 10), 'test_batch.bin': cifarBytes(2, 10, 1) }),
    npy: () => ({ 'x.npy': npyBytes('|u1', [6, 4], new Uint8Array(24)), 'y.npy': npyBytes('|u1', [6], Uint8Array.from([0, 1, 0, 1, 0, 1])) }),
    images: () => ({ 'a/0.png': pngBytes(4, 4, 1, 1), 'a/1.png': pngBytes(4, 4, 1, 2), 'b/0.jpg': jpegBytes(4, 4, 3), 'b/1.png': pngBytes(4, 4, 1, 4) }),
  }

  it('300 folders with one file mutated: an import or one ImportError line, nothing else', async () => {
    const rng = createRng(5)
    const outcome = { ok: 0, error: 0 }
    for (let i = 0; i < 300; i++) {
      const name = Object.keys(kinds)[i % 5] as keyof typeof kinds
      const files = kinds[name]() as Record<string, Uint8Array>
      const target = Object.keys(files)[rng.int(Object.keys(files).length)]!
      files[target] = mutate(rng, files[target]!)
      const root = join(tmp.dir, `f${i}`)
      mkdirSync(root)
      for (const [rel, bytes] of Object.entries(files)) write(root, rel, bytes)
      try {
        await importFolder(root, {}, { dataDir })
        outcome.ok++
      } catch (err) {
        if (!(err instanceof ImportError)) throw new Error(`case ${i} (${name}, ${target}): ${(err as Error).stack}`, { cause: err })
        expect(err.message.split('\n')).toHaveLength(1)
        outcome.error++
      }
      rmSync(root, { recursive: true })
    }
    expect(outcome.ok).toBeGreaterThan(0)
    expect(outcome.error).toBeGreaterThan(0)
  })
})
