/**
 * Every bad input of the datasets issue: a clear one-line message naming the file and the
 * problem, no stack trace, nothing written into the user's folder, partial problems reported
 * and skipped while the rest imports.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { importFolder, type ImportOutcome } from '../../src-main/data/import/importFolder'
import { ImportError } from '../../src-main/data/import/errors'
import { tempDir } from '../helpers/tmp'
import { cifarBytes, idxBytes, idxFolder, imageFolder, jpegBytes, npyBytes, pngBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-bad-')
afterAll(() => tmp.cleanup())
let n = 0
const folder = () => {
  const d = join(tmp.dir, `src${n++}`)
  mkdirSync(d, { recursive: true })
  return d
}
const dataDir = join(tmp.dir, 'app')

/** Imports expecting success with warnings; checks the folder was left as it was. */
async function imports(root: string, options = {}): Promise<ImportOutcome> {
  const before = snapshot(root)
  const out = await importFolder(root, options, { dataDir })
  expect(snapshot(root)).toBe(before)
  return out
}

/** Imports expecting an ImportError; returns its one-line message. */
async function fails(root: string, options = {}): Promise<string> {
  const before = snapshot(root)
  const err = await importFolder(root, options, { dataDir }).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ImportError)
  const message = (err as ImportError).message
  expect(message.split('\n')).toHaveLength(1)
  expect(message).not.toMatch(/\s+at \S+ \(|node_modules|\.ts:\d+/)
  expect(snapshot(root)).toBe(before)
  // a failed import leaves no partial cache behind
  expect(readdirSync(join(dataDir, 'datasets'), { withFileTypes: true }).filter((e) => e.name.endsWith('.tmp'))).toEqual([])
  return message
}

const warningsOf = (o: ImportOutcome) => o.info.warnings!.join('\n')

describe('bad images are reported and skipped', () => {
  it('a corrupt PNG, a truncated PNG and a truncated JPEG', async () => {
    const root = folder()
    imageFolder(root, { perClass: 5, size: 8, channels: 3 })
    const png = pngBytes(8, 8, 3, 9)
    const bad = Buffer.from(png)
    bad.fill(0x41, 40, 60)
    write(root, 'cat/corrupt.png', bad)
    write(root, 'dog/truncated.png', png.subarray(0, png.length - 20))
    write(root, 'eel/cut.jpg', jpegBytes(8, 8).subarray(0, 200))
    const out = await imports(root)
    expect(out.info.trainCount + out.info.testCount).toBe(15)
    const w = warningsOf(out)
    expect(w).toMatch(/cat\/corrupt\.png: corrupt PNG .*; skipped/)
    expect(w).toMatch(/dog\/truncated\.png: corrupt PNG .*; skipped/)
    expect(w).toMatch(/eel\/cut\.jpg: corrupt JPEG .*; skipped/)
  })

  it('a text file named .png', async () => {
    const root = folder()
    imageFolder(root)
    write(root, 'cat/notes.png', 'hello, this is not an image\n')
    expect(warningsOf(await imports(root))).toMatch(
      /cat\/notes\.png: named \.png but not a PNG or JPEG image \(content: text \("hello, this is not an im…"\)\); skipped/,
    )
  })

  it('a 0-byte file', async () => {
    const root = folder()
    imageFolder(root)
    write(root, 'dog/empty.png', '')
    expect(warningsOf(await imports(root))).toMatch(/dog\/empty\.png: empty file \(0 bytes\); skipped/)
  })

  it('hidden files and .DS_Store are ignored, not counted', async () => {
    const root = folder()
    imageFolder(root, { perClass: 5 })
    write(root, '.DS_Store', 'x')
    write(root, 'cat/.DS_Store', 'x')
    write(root, 'cat/._img0.png', 'resource fork')
    write(root, '.hidden/a.png', pngBytes(8, 8, 1))
    const out = await imports(root)
    expect(out.info.numClasses).toBe(3)
    expect(out.info.trainCount + out.info.testCount).toBe(15)
    expect(warningsOf(out)).toMatch(/ignored 4 hidden or system files/)
  })

  it('a symlink loop is reported, not followed forever', async () => {
    const root = folder()
    imageFolder(root)
    symlinkSync(join(root, 'cat'), join(root, 'cat', 'again'))
    symlinkSync('self.png', join(root, 'dog', 'self.png'))
    const w = warningsOf(await imports(root))
    expect(w).toMatch(/cat\/again: links back to a folder already read \(a symlink loop\); skipped/)
    expect(w).toMatch(/dog\/self\.png: is a symlink loop; skipped/)
  })

  it('an unreadable file (permissions) is reported and skipped', async (ctx) => {
    const root = folder()
    imageFolder(root)
    const file = write(root, 'cat/locked.png', pngBytes(8, 8, 1))
    if (process.getuid?.() === 0) {
      // As root (CI) chmod 000 does not stop reading: data-unreadable.test.ts simulates EACCES;
      // here a link that cannot be opened stands in for the file that cannot be read.
      symlinkSync(join(root, 'no-such-target.png'), join(root, 'dog', 'dangling.png'))
      expect(warningsOf(await imports(root))).toMatch(/dog\/dangling\.png: does not exist .*; skipped/)
      ctx.annotate?.('running as root: real chmod 000 check skipped; EACCES simulated in data-unreadable.test.ts')
      return
    }
    chmodSync(file, 0o000)
    try {
      expect(warningsOf(await imports(root))).toMatch(/cat\/locked\.png: cannot be read \(permission denied\); skipped/)
    } finally {
      chmodSync(file, 0o644)
    }
  })

  it('a class folder with no images', async () => {
    const root = folder()
    imageFolder(root)
    mkdirSync(join(root, 'fox'))
    write(root, 'gnu/readme.txt', 'nothing here')
    const out = await imports(root)
    expect(out.info.numClasses).toBe(3)
    expect(warningsOf(out)).toMatch(/fox: class folder has no images; skipped/)
    expect(warningsOf(out)).toMatch(/gnu: class folder has no images; skipped/)
  })

  it('mixed grayscale and RGB images: converted to RGB and said so', async () => {
    const root = folder()
    imageFolder(root, { channels: 3 })
    write(root, 'cat/gray.png', pngBytes(8, 8, 1, 5))
    const out = await imports(root)
    expect(out.info.inputShape).toEqual([8, 8, 3])
    expect(warningsOf(out)).toMatch(/1 grayscale images converted to RGB/)
  })
})

describe('bad folders stop with one clear line', () => {
  it('images of mixed sizes: never resized silently; offered, then done on request', async () => {
    const root = folder()
    imageFolder(root, { size: 8 })
    write(root, 'dog/big.png', pngBytes(12, 10, 1))
    const message = await fails(root)
    expect(message).toMatch(/: images have mixed sizes \(height×width\): 8×8 \(18\), 12×10 \(1, e\.g\. dog\/big\.png\); import again with resize to 8×8/)
    const out = await imports(root, { resizeTo: [8, 8] })
    expect(out.info.inputShape).toEqual([8, 8, 1])
    expect(out.info.trainCount + out.info.testCount).toBe(19)
    expect(warningsOf(out)).toMatch(/1 images resized to 8×8 \(as asked\)/)
  })

  it('only one class', async () => {
    const root = folder()
    imageFolder(root, { classes: ['cat'] })
    expect(await fails(root)).toMatch(/: only one class \('cat'\) has images: a classifier needs at least two class folders/)
  })

  it('an empty split', async () => {
    const root = folder()
    imageFolder(root, { split: true, perClass: 2 })
    // perClass 2 puts both images in test/: train/ has class folders but they are empty
    for (const cls of ['cat', 'dog']) mkdirSync(join(root, 'train', cls), { recursive: true })
    expect(await fails(root)).toMatch(/train: the train split is empty: no images in any class folder|no .*images/)
  })

  it('an empty test split', async () => {
    const root = folder()
    imageFolder(root, { split: true, perClass: 6 })
    const { rmSync } = await import('node:fs')
    for (const cls of ['cat', 'dog', 'eel']) {
      rmSync(join(root, 'test', cls), { recursive: true })
      mkdirSync(join(root, 'test', cls))
    }
    expect(await fails(root)).toMatch(/test: the test split is empty: no images in any class folder/)
  })

  it('a folder that is not a dataset at all, an empty folder, a missing path, a file', async () => {
    const root = folder()
    write(root, 'notes.md', '# my thesis')
    write(root, 'src/main.c', 'int main() {}')
    expect(await fails(root)).toMatch(
      /: not a dataset: found no IDX files, CIFAR batches, \.npy pairs, CSV table or class folders of PNG\/JPEG images among 2 files/,
    )
    expect(await fails(folder())).toMatch(/: not a dataset: the folder holds no files/)
    await expect(importFolder(join(tmp.dir, 'nope'), {}, { dataDir })).rejects.toThrow(/nope: no such folder/)
    await expect(importFolder(join(root, 'notes.md'), {}, { dataDir })).rejects.toThrow(/notes\.md: is a file, not a folder/)
  })
})

describe('bad binary files', () => {
  it('a truncated IDX file (plain and gzipped)', async () => {
    const root = folder()
    idxFolder(root)
    truncateSync(join(root, 'train-images-idx3-ubyte'), 16 + 16 * 29 + 5)
    expect(await fails(root)).toMatch(/train-images-idx3-ubyte: truncated: the header promises 30 records of 16 bytes but the file holds 29 and 5 bytes/)
    const gz = folder()
    idxFolder(gz, { gzip: true })
    const file = join(gz, 'train-images-idx3-ubyte.gz')
    const { readFileSync } = await import('node:fs')
    writeFileSync(file, readFileSync(file).subarray(0, 60))
    expect(await fails(gz)).toMatch(/train-images-idx3-ubyte\.gz: (gzip data is corrupt or cut short|truncated)/)
  })

  it('an IDX file with the wrong magic number', async () => {
    const root = folder()
    idxFolder(root)
    const bytes = idxBytes('labels', new Uint8Array(30), 30)
    bytes.writeUInt32BE(0x12345678, 0)
    write(root, 'train-labels-idx1-ubyte', bytes)
    expect(await fails(root)).toMatch(
      /train-labels-idx1-ubyte: wrong magic number 0x12345678: an IDX file starts with 0x00000803 \(images\) or 0x00000801 \(labels\)/,
    )
  })

  it('image and label counts that disagree (IDX and .npy)', async () => {
    const root = folder()
    idxFolder(root)
    write(root, 't10k-labels-idx1-ubyte', gzipSync(Buffer.alloc(0)).subarray(0, 0))
    write(root, 't10k-labels-idx1-ubyte', idxBytes('labels', new Uint8Array(9), 9))
    expect(await fails(root)).toMatch(/t10k-images-idx3-ubyte: holds 10 images but t10k-labels-idx1-ubyte holds 9 labels: the counts must agree/)
    const np = folder()
    write(np, 'x.npy', npyBytes('|u1', [10, 4], new Uint8Array(40)))
    write(np, 'y.npy', npyBytes('|u1', [8], new Uint8Array(8)))
    expect(await fails(np)).toMatch(/x\.npy: holds 10 examples but y\.npy holds 8 labels: the counts must agree/)
  })

  it('a CIFAR file of the wrong length: skipped beside good batches, fatal alone', async () => {
    const root = folder()
    write(root, 'data_batch_1.bin', cifarBytes(12, 10))
    write(root, 'data_batch_2.bin', cifarBytes(12, 10).subarray(0, 3073 * 5 + 100))
    write(root, 'test_batch.bin', cifarBytes(6, 10, 1))
    const out = await imports(root)
    expect(out.info.trainCount).toBe(12)
    expect(warningsOf(out)).toMatch(/data_batch_2\.bin: 15,465 bytes is not a whole number of 3,073-byte CIFAR-10 records .*; skipped/)
    const alone = folder()
    write(alone, 'test_batch.bin', Buffer.alloc(1000))
    expect(await fails(alone)).toMatch(/test_batch\.bin: 1,000 bytes is not a whole number of CIFAR-10 records/)
  })

  it('.npy problems: Fortran order, float64 inputs, truncated data', async () => {
    const cases: [string, Buffer, RegExp][] = [
      [
        'fortran',
        Buffer.from(npyBytes('|u1', [4, 2], new Uint8Array(8)).toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1'),
        /x\.npy: is stored in Fortran order/,
      ],
      ['f8', npyBytes('<f8', [4, 2], new Float32Array(16)), /x\.npy: inputs must be uint8 or float32, not float64/],
      [
        'short',
        npyBytes('|u1', [4, 2], new Uint8Array(8)).subarray(0, 128 + 6),
        /x\.npy: truncated: shape \(4, 2\) of uint8 needs 8 data bytes but the file holds 6/,
      ],
    ]
    for (const [, x, message] of cases) {
      const root = folder()
      write(root, 'x.npy', x)
      write(root, 'y.npy', npyBytes('|u1', [4], new Uint8Array(4)))
      expect(await fails(root)).toMatch(message)
    }
  })

  it('CSV: bad rows are skipped with their line numbers; no header is fatal', async () => {
    const root = folder()
    write(root, 'data.csv', 'a,b,label\n1,2,x\n3,oops,y\n4,5\n6,7,y\n8,9,x\n1,1,y\n2,2,x\n3,3,y\n')
    const out = await imports(root)
    expect(out.info.trainCount + out.info.testCount).toBe(6)
    expect(warningsOf(out)).toMatch(/data\.csv: line 3: column 'b' is 'oops', not a number; row skipped/)
    expect(warningsOf(out)).toMatch(/data\.csv: line 4 has 2 fields, the header 3; row skipped/)
    const nohead = folder()
    write(nohead, 'data.csv', '1,2,0\n3,4,1\n')
    expect(await fails(nohead)).toMatch(/data\.csv: has no header row/)
    const wrongCol = folder()
    write(wrongCol, 'data.csv', 'a,b,c\n1,2,0\n')
    expect(await fails(wrongCol, { labelColumn: 'kind' })).toMatch(/data\.csv: has no column 'kind' \(columns: a, b, c\)/)
  })
})
