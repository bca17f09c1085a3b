/**
 * The hostile-input corpus: several hundred dataset folders built on the spot, every format
 * crossed with every way a file can lie or break — truncation at each header field, huge
 * claimed dimensions, bad CRCs, wrong dtypes and orders, ragged CSV, BOMs, quoted commas, NaN,
 * unicode and newline names, symlink loops and escapes, FIFOs, zero-byte files. Each case says
 * what must happen: refused (exit 2) with one line naming `file` and matching `problem`, or
 * imported (where the input is in fact valid, or its damage is a skipped file).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { PNG } from 'pngjs'
import type { DatasetImportOptions } from '../../src-main/contract/api'
import { cifarBytes, idxBytes, imageFolder, jpegBytes, npyBytes, pngBytes, write } from './dataFixtures'

export type Outcome =
  | { refused: true; /** relative to the case folder; '' for the folder itself */ file: string; problem: RegExp }
  | { refused: false; /** one warning must match */ warning?: RegExp; examples?: number }

export interface HostileCase {
  /** unique; a safe folder name */
  id: string
  format: string
  build(root: string): void
  options?: DatasetImportOptions
  /** what is handed to the import, relative to the case folder (default: the folder) */
  target?: string
  outcome: Outcome
  /** needs mkfifo */
  fifo?: boolean
}

const refused = (file: string, problem: RegExp): Outcome => ({ refused: true, file, problem })
const imported = (warning?: RegExp, examples?: number): Outcome => ({ refused: false, warning, examples })

export const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0
function fifo(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  spawnSync('mkfifo', [path])
}

//#region base datasets (valid)

const IDX_TRAIN = 30
const IDX_TEST = 10

function idxImages(n: number, h = 4, w = 4, c?: number): Buffer {
  const dims = c ? [n, h, w, c] : [n, h, w]
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt32BE(0x800 + dims.length, 0)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  const body = Buffer.alloc(n * h * w * (c ?? 1))
  for (let i = 0; i < body.length; i++) body[i] = (i * 37) & 255
  return Buffer.concat([head, body])
}
const idxLabels = (n: number, classes = 3) =>
  idxBytes(
    'labels',
    new Uint8Array(n).map((_, i) => i % classes),
    n,
  )

/** train/t10k IDX pairs; `replace` swaps one of the four files' bytes (before gzip) */
function idx(root: string, gz: boolean, replace: Partial<Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', Buffer>> = {}): void {
  const z = (b: Buffer) => (gz ? gzipSync(b) : b)
  const ext = gz ? '.gz' : ''
  write(root, `train-images-idx3-ubyte${ext}`, z(replace.trainImages ?? idxImages(IDX_TRAIN)))
  write(root, `train-labels-idx1-ubyte${ext}`, z(replace.trainLabels ?? idxLabels(IDX_TRAIN)))
  write(root, `t10k-images-idx3-ubyte${ext}`, z(replace.testImages ?? idxImages(IDX_TEST)))
  write(root, `t10k-labels-idx1-ubyte${ext}`, z(replace.testLabels ?? idxLabels(IDX_TEST)))
}
const trainImages = (gz: boolean) => `train-images-idx3-ubyte${gz ? '.gz' : ''}`
const trainLabels = (gz: boolean) => `train-labels-idx1-ubyte${gz ? '.gz' : ''}`

function cifar(root: string): void {
  write(root, 'data_batch_1.bin', cifarBytes(20, 10))
  write(root, 'test_batch.bin', cifarBytes(10, 10, 3))
}

const NPY_N = 24
function npyX(): Buffer {
  return npyBytes(
    '<f4',
    [NPY_N, 3],
    new Float32Array(NPY_N * 3).map((_, i) => (i % 7) / 3),
  )
}
function npyY(): Buffer {
  return npyBytes(
    '|u1',
    [NPY_N],
    new Uint8Array(NPY_N).map((_, i) => i % 3),
  )
}
function npy(root: string, x: Buffer = npyX(), y: Buffer = npyY()): void {
  write(root, 'x.npy', x)
  write(root, 'y.npy', y)
}

/** a header of .npy with a free-form dict (for malformed ones) */
function npyRaw(dict: string, data: Uint8Array | Float32Array, major = 1): Buffer {
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64
  const text = dict + ' '.repeat(pad) + '\n'
  const head = Buffer.alloc(major === 1 ? 10 : 12)
  head.write('\x93NUMPY', 0, 'latin1')
  head[6] = major
  head[7] = 0
  if (major === 1) head.writeUInt16LE(text.length, 8)
  else head.writeUInt32LE(text.length, 8)
  return Buffer.concat([head, Buffer.from(text, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)])
}

function png(root: string): void {
  imageFolder(root, { perClass: 6, size: 8 })
}
function jpegs(root: string): void {
  ;['cat', 'dog', 'eel'].forEach((cls, ci) => {
    for (let i = 0; i < 6; i++) write(root, `${cls}/img${i}.jpg`, jpegBytes(8, 8, ci * 10 + i))
  })
}

const CSV_ROWS = 40
function csvText(label = (i: number) => String(i % 2)): string {
  const rows = Array.from({ length: CSV_ROWS }, (_, i) => `${(i % 5) / 2},${(i * 3) % 7},${label(i)}`)
  return `a,b,label\n${rows.join('\n')}\n`
}
function csv(root: string, text = csvText()): void {
  write(root, 'data.csv', text)
}

/** rewrites the CRC of the PNG chunk that starts at `at` */
function fixCrc(buf: Buffer, at: number): void {
  const len = buf.readUInt32BE(at)
  let c = 0xffffffff
  for (const b of buf.subarray(at + 4, at + 8 + len)) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  buf.writeUInt32BE((c ^ 0xffffffff) >>> 0, at + 8 + len)
}

/** a PNG whose IHDR claims w×h (the data is a few zero rows, whatever it claims) */
function pngClaiming(w: number, h: number): Buffer {
  const real = pngBytes(4, 4, 1, 1)
  const out = Buffer.from(real)
  out.writeUInt32BE(w, 16)
  out.writeUInt32BE(h, 20)
  fixCrc(out, 8)
  return out
}

function bigBlankPng(w: number, h: number): Buffer {
  const p = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false })
  p.data = Buffer.alloc(w * h)
  return PNG.sync.write(p, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 9 })
}

//#endregion

export function hostileCorpus(): HostileCase[] {
  const cases: HostileCase[] = []
  const add = (c: HostileCase) => cases.push(c)

  //#region IDX, plain and gzip

  for (const gz of [false, true]) {
    const f = gz ? 'idx-gz' : 'idx'
    const images = trainImages(gz)
    const labels = trainLabels(gz)
    add({ id: `${f}-valid`, format: f, build: (r) => idx(r, gz), outcome: imported(undefined, IDX_TRAIN + IDX_TEST) })
    // truncation at every byte of the images header (magic, type, dims, each size)
    for (let k = 0; k < 16; k++) {
      add({
        id: `${f}-images-header-cut-${k}`,
        format: f,
        build: (r) => idx(r, gz, { trainImages: idxImages(IDX_TRAIN).subarray(0, k) }),
        outcome: refused(
          images,
          k === 0 && !gz
            ? /is empty \(0 bytes\)/
            : k < 4
              ? new RegExp(`truncated: the file ends inside its magic number \\(${k} of 4 bytes`)
              : new RegExp(`truncated: the file ends inside its header \\(${k} of 16 bytes`),
        ),
      })
    }
    for (let k = 0; k < 8; k++) {
      add({
        id: `${f}-labels-header-cut-${k}`,
        format: f,
        build: (r) => idx(r, gz, { trainLabels: idxLabels(IDX_TRAIN).subarray(0, k) }),
        outcome: refused(
          labels,
          k === 0 && !gz
            ? /is empty \(0 bytes\)/
            : k < 4
              ? /truncated: the file ends inside its magic number/
              : new RegExp(`truncated: the file ends inside its header \\(${k} of 8 bytes`),
        ),
      })
    }
    add({
      id: `${f}-images-no-data`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: idxImages(IDX_TRAIN).subarray(0, 16) }),
      outcome: refused(images, /truncated: the header promises 30 records of 16 bytes but the file holds 0/),
    })
    add({
      id: `${f}-images-cut-mid-record`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: idxImages(IDX_TRAIN).subarray(0, 16 + 16 * 12 + 5) }),
      outcome: refused(images, /truncated: the header promises 30 records of 16 bytes but the file holds 12 and 5 bytes/),
    })
    add({
      id: `${f}-labels-cut`,
      format: f,
      build: (r) => idx(r, gz, { trainLabels: idxLabels(IDX_TRAIN).subarray(0, 8 + 17) }),
      outcome: refused(labels, /truncated: the header promises 30 records of 1 bytes but the file holds 17/),
    })
    add({
      id: `${f}-huge-count`,
      format: f,
      build: (r) => {
        const b = idxImages(IDX_TRAIN)
        b.writeUInt32BE(0xffffffff, 4)
        const l = idxLabels(IDX_TRAIN)
        l.writeUInt32BE(0xffffffff, 4)
        idx(r, gz, { trainImages: b, trainLabels: l })
      },
      outcome: refused(
        images,
        gz
          ? /claims 4,294,967,295 images of 4×4 \(.* in the cache\), beyond the import budget of 4\.3 GB; .*--max-bytes/
          : /truncated: the header promises 4,294,967,295 records of 16 bytes but the file holds 30/,
      ),
    })
    add({
      id: `${f}-huge-image`,
      format: f,
      build: (r) => {
        const b = idxImages(1)
        b.writeUInt32BE(65535, 8)
        b.writeUInt32BE(65535, 12)
        idx(r, gz, { trainImages: b })
      },
      outcome: refused(images, /header says images of 65535×65535, beyond the 40-megapixel limit/),
    })
    for (const [dim, at] of [
      ['height', 8],
      ['width', 12],
    ] as const) {
      add({
        id: `${f}-zero-${dim}`,
        format: f,
        build: (r) => {
          const b = idxImages(IDX_TRAIN)
          b.writeUInt32BE(0, at)
          idx(r, gz, { trainImages: b })
        },
        outcome: refused(images, /has a zero-sized dimension/),
      })
    }
    add({
      id: `${f}-zero-records`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: idxImages(0), trainLabels: idxLabels(0) }),
      outcome: refused('', /the train split is empty/),
    })
    for (const [type, name] of [
      [0x09, 'signed byte'],
      [0x0b, 'short'],
      [0x0c, 'int'],
      [0x0d, 'float'],
      [0x0e, 'double'],
    ] as const) {
      add({
        id: `${f}-dtype-${type.toString(16)}`,
        format: f,
        build: (r) => {
          const b = idxImages(IDX_TRAIN)
          b[2] = type
          idx(r, gz, { trainImages: b })
        },
        outcome: refused(images, new RegExp(`IDX data type ${name} is not supported \\(only unsigned bytes, type 0x08\\)`)),
      })
    }
    for (const [what, at, value] of [
      ['unknown-type', 2, 0x07],
      ['zero-dims', 3, 0],
      ['five-dims', 3, 5],
      ['first-byte', 0, 1],
    ] as const) {
      add({
        id: `${f}-magic-${what}`,
        format: f,
        build: (r) => {
          const b = idxImages(IDX_TRAIN)
          b[at] = value
          idx(r, gz, { trainImages: b })
        },
        outcome: refused(images, /wrong magic number 0x[0-9a-f]{8}: an IDX file starts with 0x00000803 \(images\) or 0x00000801 \(labels\)/),
      })
    }
    add({
      id: `${f}-count-mismatch`,
      format: f,
      build: (r) => idx(r, gz, { trainLabels: idxLabels(IDX_TRAIN - 1) }),
      outcome: refused(images, /holds 30 images but train-labels-idx1-ubyte(\.gz)? holds 29 labels: the counts must agree/),
    })
    add({
      id: `${f}-two-channels`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: idxImages(IDX_TRAIN, 4, 4, 2), testImages: idxImages(IDX_TEST, 4, 4, 2) }),
      outcome: refused(images, /image shape 4×4×2 is not H×W, H×W×1 or H×W×3/),
    })
    add({
      id: `${f}-rgb-valid`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: idxImages(IDX_TRAIN, 4, 4, 3), testImages: idxImages(IDX_TEST, 4, 4, 3) }),
      outcome: imported(undefined, IDX_TRAIN + IDX_TEST),
    })
    add({
      id: `${f}-shape-mismatch`,
      format: f,
      build: (r) => idx(r, gz, { testImages: idxImages(IDX_TEST, 5, 5) }),
      outcome: refused('t10k-images-idx3-ubyte' + (gz ? '.gz' : ''), /images are 5×5, but train-images-idx3-ubyte(\.gz)? has 4×4/),
    })
    add({
      id: `${f}-trailing-padding`,
      format: f,
      build: (r) => idx(r, gz, { trainImages: Buffer.concat([idxImages(IDX_TRAIN), Buffer.alloc(100, 0xab)]) }),
      outcome: imported(undefined, IDX_TRAIN + IDX_TEST),
    })
    add({
      id: `${f}-one-class`,
      format: f,
      build: (r) => idx(r, gz, { trainLabels: idxLabels(IDX_TRAIN, 1), testLabels: idxLabels(IDX_TEST, 1) }),
      outcome: refused('', /only one class \('0'\) in the data: a classifier needs at least two/),
    })
    add({
      id: `${f}-no-labels`,
      format: f,
      build: (r) => {
        idx(r, gz)
        rmSync(join(r, labels))
      },
      outcome: refused(images, /has no matching IDX labels file/),
    })
    add({
      id: `${f}-zero-byte-labels`,
      format: f,
      build: (r) => {
        idx(r, gz)
        writeFileSync(join(r, labels), '')
      },
      outcome: refused(labels, gz ? /not valid gzip data|is empty \(0 bytes\)|ends inside its magic number/ : /is empty \(0 bytes\)/),
    })
    add({
      id: `${f}-task-regression`,
      format: f,
      build: (r) => idx(r, gz),
      options: { task: 'regression' },
      outcome: refused(labels, /IDX labels are classes: task 'regression' does not apply/),
    })
  }
  // gzip-only damage
  const gzImages = trainImages(true)
  const gzOf = () => gzipSync(idxImages(IDX_TRAIN))
  const gzCases: [string, () => Buffer, RegExp][] = [
    ['gz-cut-tail', () => gzOf().subarray(0, gzOf().length - 12), /gzip data is corrupt or cut short|truncated/],
    [
      'gz-bad-crc',
      () => {
        const b = Buffer.from(gzOf())
        b[b.length - 6] ^= 0xff
        return b
      },
      /(not valid gzip data|gzip data is corrupt or cut short) \(incorrect data check\)/,
    ],
    [
      'gz-bad-length',
      () => {
        const b = Buffer.from(gzOf())
        b[b.length - 2] ^= 0xff
        return b
      },
      /(not valid gzip data|gzip data is corrupt or cut short) \(incorrect length check\)/,
    ],
    [
      'gz-flipped-deflate',
      () => {
        const b = Buffer.from(gzOf())
        b[14] ^= 0x5a
        return b
      },
      /gzip data is corrupt or cut short|not valid gzip data|wrong magic|truncated|IDX data type|zero-sized|megapixel|claims/,
    ],
    [
      'gz-bad-header',
      () => {
        const b = Buffer.from(gzOf())
        b[3] = 0xff
        return b
      },
      /not valid gzip data|gzip data is corrupt/,
    ],
    ['gz-not-gzip', () => Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8]), /not valid gzip data|gzip data is corrupt|ends inside its magic number/],
  ]
  for (const [id, bytes, problem] of gzCases) {
    add({
      id: `idx-${id}`,
      format: 'idx-gz',
      build: (r) => {
        idx(r, true)
        writeFileSync(join(r, gzImages), bytes())
      },
      outcome: refused(gzImages, problem),
    })
  }
  add({
    id: 'idx-gz-bomb-300k',
    format: 'idx-gz',
    build: (r) => {
      const head = Buffer.alloc(16)
      head.writeUInt32BE(0x803, 0)
      head.writeUInt32BE(375_000, 4)
      head.writeUInt32BE(28, 8)
      head.writeUInt32BE(28, 12)
      write(r, 'train-images-idx3-ubyte.gz', gzipSync(Buffer.concat([head, Buffer.alloc(294_000_000)]), { level: 9 }))
      write(r, 'train-labels-idx1-ubyte.gz', gzipSync(idxLabels(375_000)))
    },
    outcome: refused(
      'train-images-idx3-ubyte.gz',
      /claims 375,000 images of 28×28 \(296 MB\) from \d+ kB of compressed data.*decompression bomb.*--max-bytes 500000000/,
    ),
  })
  add({
    id: 'idx-gz-bomb-trailer',
    format: 'idx-gz',
    build: (r) => {
      // an honest header and data, then 200 MB of zeros in the same gzip stream
      write(r, 'train-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxImages(IDX_TRAIN), Buffer.alloc(200_000_000)]), { level: 9 }))
      write(r, 'train-labels-idx1-ubyte.gz', gzipSync(idxLabels(IDX_TRAIN)))
      write(r, 't10k-images-idx3-ubyte.gz', gzipSync(idxImages(IDX_TEST)))
      write(r, 't10k-labels-idx1-ubyte.gz', gzipSync(idxLabels(IDX_TEST)))
    },
    outcome: imported(undefined, IDX_TRAIN + IDX_TEST),
  })
  add({
    id: 'idx-gz-bomb-1x1',
    format: 'idx-gz',
    build: (r) => {
      const head = Buffer.alloc(16)
      head.writeUInt32BE(0x803, 0)
      head.writeUInt32BE(134_217_728, 4)
      head.writeUInt32BE(1, 8)
      head.writeUInt32BE(1, 12)
      write(r, 'train-images-idx3-ubyte.gz', gzipSync(Buffer.concat([head, Buffer.alloc(4_000_000)]), { level: 9 }))
      const lh = Buffer.alloc(8)
      lh.writeUInt32BE(0x801, 0)
      lh.writeUInt32BE(134_217_728, 4)
      write(r, 'train-labels-idx1-ubyte.gz', gzipSync(Buffer.concat([lh, Buffer.alloc(4_000_000)]), { level: 9 }))
    },
    outcome: refused('train-images-idx3-ubyte.gz', /claims 134,217,728 images of 1×1.*(decompression bomb|examples the import budget)/),
  })

  //#endregion

  //#region CIFAR

  add({ id: 'cifar-valid', format: 'cifar', build: cifar, outcome: imported(undefined, 30) })
  for (const [id, size] of [
    ['cifar-alone-1000', 1000],
    ['cifar-alone-3072', 3072],
    ['cifar-alone-3075', 3075],
    ['cifar-alone-one-byte', 1],
  ] as const) {
    add({
      id,
      format: 'cifar',
      build: (r) => write(r, 'test_batch.bin', Buffer.alloc(size, 1)),
      outcome: refused('test_batch.bin', /is not a whole number of CIFAR-10 records \(3,073 bytes: 1 label \+ 32×32×3 pixels\) nor of CIFAR-100 records/),
    })
  }
  add({
    id: 'cifar-zero-byte-batch',
    format: 'cifar',
    build: (r) => {
      cifar(r)
      write(r, 'data_batch_2.bin', '')
    },
    outcome: imported(/data_batch_2\.bin: 0 bytes is not a whole number of 3,073-byte CIFAR-10 records/, 30),
  })
  add({
    id: 'cifar-cut-batch-beside-good',
    format: 'cifar',
    build: (r) => {
      cifar(r)
      write(r, 'data_batch_2.bin', cifarBytes(5, 10).subarray(0, 3073 * 3 + 11))
    },
    outcome: imported(/data_batch_2\.bin: 9,230 bytes is not a whole number of 3,073-byte CIFAR-10 records .*; skipped/, 30),
  })
  add({
    id: 'cifar-label-out-of-range-late',
    format: 'cifar',
    build: (r) => {
      const b = cifarBytes(20, 10)
      b[3073 * 12] = 200
      write(r, 'data_batch_1.bin', b)
      write(r, 'test_batch.bin', cifarBytes(10, 10, 3))
    },
    outcome: refused('data_batch_1.bin', /record 13 has label 200, but CIFAR-10 labels are below 10: not a CIFAR-10 file/),
  })
  add({
    id: 'cifar100-coarse-out-of-range',
    format: 'cifar',
    build: (r) => {
      const b = cifarBytes(30, 100)
      b[3074 * 20] = 25
      write(r, 'train.bin', b)
      write(r, 'test.bin', cifarBytes(10, 100, 1))
    },
    outcome: refused('train.bin', /record 21 has label 25, but CIFAR-100 labels are below 20/),
  })
  add({
    id: 'cifar100-valid',
    format: 'cifar',
    build: (r) => (write(r, 'train.bin', cifarBytes(30, 100)), write(r, 'test.bin', cifarBytes(10, 100, 1))),
    outcome: imported(undefined, 40),
  })
  add({
    id: 'cifar-task-regression',
    format: 'cifar',
    build: cifar,
    options: { task: 'regression' },
    outcome: refused('data_batch_1.bin', /CIFAR-10 labels are classes: task 'regression' does not apply/),
  })

  //#endregion

  //#region .npy

  add({ id: 'npy-valid', format: 'npy', build: (r) => npy(r), outcome: imported(undefined, NPY_N) })
  const goodX = npyX()
  for (let k = 6; k < 12; k++) {
    add({
      id: `npy-header-cut-${k}`,
      format: 'npy',
      build: (r) => npy(r, goodX.subarray(0, k)),
      outcome: refused('x.npy', /truncated: the file ends inside its header/),
    })
  }
  for (const k of [20, 40, 60]) {
    add({
      id: `npy-dict-cut-${k}`,
      format: 'npy',
      build: (r) => npy(r, goodX.subarray(0, k)),
      outcome: refused('x.npy', /truncated: the file ends inside its header/),
    })
  }
  add({
    id: 'npy-data-cut',
    format: 'npy',
    build: (r) => npy(r, goodX.subarray(0, goodX.length - 10)),
    outcome: refused('x.npy', /truncated: shape \(24, 3\) of float32 needs 288 data bytes but the file holds 278/),
  })
  for (const [descr, problem] of [
    ['<f8', /inputs must be uint8 or float32, not float64/],
    ['<i4', /inputs must be uint8 or float32, not int32/],
    ['>f4', /is big-endian \(>f4\); save it little-endian/],
    ['<f2', /dtype '<f2' is not supported/],
    ['<c8', /dtype '<c8' is not supported/],
    ['|b1', /dtype '\|b1' is not supported/],
    ['<U4', /dtype '<U4' is not supported/],
    ['|O', /dtype '\|O' is not supported/],
  ] as const) {
    add({
      id: `npy-dtype-${descr.replace(/[^a-z0-9]/gi, '_')}`,
      format: 'npy',
      build: (r) => npy(r, npyRaw(`{'descr': '${descr}', 'fortran_order': False, 'shape': (24, 3), }`, new Uint8Array(24 * 3 * 8))),
      outcome: refused('x.npy', problem),
    })
  }
  add({
    id: 'npy-fortran',
    format: 'npy',
    build: (r) => npy(r, npyRaw(`{'descr': '<f4', 'fortran_order': True, 'shape': (24, 3), }`, new Uint8Array(24 * 12))),
    outcome: refused('x.npy', /is stored in Fortran order; save it with np\.ascontiguousarray\(a\) \(C order\)/),
  })
  for (const [id, shape, problem] of [
    ['1d-inputs', '(24,)', /inputs must be \(N, features\) or \(N, H, W\[, C\]\), not \(24\)/],
    ['zero-features', '(24, 0)', /shape \(24, 0\) has a zero-sized dimension/],
    ['zero-inner', '(24, 5, 0)', /shape \(24, 5, 0\) has a zero-sized dimension/],
    ['zero-examples', '(0, 3)', /holds 0 examples but y\.npy holds 24 labels|holds no examples/],
    ['channels-first', '(24, 3, 2, 2)', /looks channels-first \(N, 3, 2, 2\); save it as \(N, H, W, C\)/],
    ['five-dims', '(24, 3, 1, 1, 1)', /inputs must be \(N, features\), \(N, H, W\) or \(N, H, W, 1\|3\)/],
    ['huge', '(1099511627776, 2)', /truncated: shape \(1099511627776, 2\) of float32 needs .* data bytes/],
    ['negative', '(24, -3)', /malformed shape \(24, -3\)/],
    ['fraction', '(24, 3.5)', /malformed shape \(24, 3\.5\)/],
    ['empty', '()', /holds 0 examples|inputs must be \(N, features\)/],
    ['not-a-tuple', "'abc'", /malformed \.npy header/],
  ] as const) {
    add({
      id: `npy-shape-${id}`,
      format: 'npy',
      build: (r) => npy(r, npyRaw(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`, new Uint8Array(24 * 12 * 4))),
      outcome: refused('x.npy', problem),
    })
  }
  add({
    id: 'npy-no-descr',
    format: 'npy',
    build: (r) => npy(r, npyRaw(`{'fortran_order': False, 'shape': (24, 3), }`, new Uint8Array(24 * 12))),
    outcome: refused('x.npy', /malformed \.npy header \(descr, fortran_order or shape missing\)/),
  })
  add({
    id: 'npy-version-2',
    format: 'npy',
    build: (r) => npy(r, npyRaw(`{'descr': '<f4', 'fortran_order': False, 'shape': (24, 3), }`, new Float32Array(72).fill(0.5), 2)),
    outcome: imported(undefined, NPY_N),
  })
  add({
    id: 'npy-version-9',
    format: 'npy',
    build: (r) => {
      const b = Buffer.from(npyX())
      b[6] = 9
      npy(r, b)
    },
    outcome: refused('x.npy', /unknown \.npy format version 9\.0/),
  })
  add({
    id: 'npy-header-length-huge',
    format: 'npy',
    build: (r) => {
      const b = Buffer.from(npyX())
      b.writeUInt16LE(65535, 8)
      npy(r, b)
    },
    outcome: refused('x.npy', /truncated: the file ends inside its header/),
  })
  const labelsOf = (values: number[], descr = '<f4') =>
    npyBytes(descr, [values.length], descr === '<f4' ? Float32Array.from(values) : descr === '<i4' ? Int32Array.from(values) : Uint8Array.from(values))
  const cycle = (f: (i: number) => number) => Array.from({ length: NPY_N }, (_, i) => f(i))
  for (const [id, y, outcome] of [
    ['nan', labelsOf(cycle((i) => (i === 5 ? NaN : i % 3))), refused('y.npy', /label 5 is NaN: labels must be finite numbers/)],
    ['inf', labelsOf(cycle((i) => (i === 7 ? Infinity : i % 3))), refused('y.npy', /label 7 is Infinity: labels must be finite numbers/)],
    [
      'negative',
      labelsOf(
        cycle((i) => (i === 3 ? -1 : i % 3)),
        '<i4',
      ),
      refused('y.npy', /label 3 is -1: class labels must be 0, 1, 2, …; .*--task/),
    ],
    ['regression', labelsOf(cycle((i) => i / 7)), imported(undefined, NPY_N)],
    [
      'many-classes',
      npyBytes('<i4', [NPY_N], Int32Array.from(cycle((i) => i * 100))),
      refused('y.npy', /labels are whole numbers up to 2,300: 2,301 classes, or a regression target\?/),
    ],
    ['two-columns', npyBytes('|u1', [NPY_N, 2], new Uint8Array(NPY_N * 2)), refused('y.npy', /labels must be one-dimensional \(N,\), not \(24, 2\)/)],
    [
      'count-mismatch',
      npyBytes('|u1', [NPY_N - 4], new Uint8Array(NPY_N - 4)),
      refused('x.npy', /holds 24 examples but y\.npy holds 20 labels: the counts must agree/),
    ],
    ['one-class', npyBytes('|u1', [NPY_N], new Uint8Array(NPY_N)), refused('', /only one class \('0'\) in the data/)],
    [
      'int64',
      npyBytes(
        '<i8',
        [NPY_N],
        BigInt64Array.from(
          cycle((i) => i % 3),
          BigInt,
        ),
      ),
      imported(undefined, NPY_N),
    ],
  ] as const) {
    add({ id: `npy-labels-${id}`, format: 'npy', build: (r) => npy(r, npyX(), y as Buffer), outcome })
  }
  add({
    id: 'npy-nan-inputs',
    format: 'npy',
    build: (r) => {
      const x = new Float32Array(NPY_N * 3).fill(0.25)
      x[4] = NaN
      x[40] = -Infinity
      npy(r, npyBytes('<f4', [NPY_N, 3], x))
    },
    outcome: imported(/x\.npy: row 1 holds NaN or infinity; skipped/, NPY_N - 2),
  })
  add({
    id: 'npy-pairs-incomplete',
    format: 'npy',
    build: (r) => {
      write(r, 'x_train.npy', npyX())
      write(r, 'y_train.npy', npyY())
      write(r, 'x_test.npy', npyX())
    },
    outcome: refused('x_test.npy', /expected one test inputs file and one test labels file/),
  })

  //#endregion

  //#region image folders (PNG and JPEG)

  const goodPng = pngBytes(8, 8, 1, 5)
  const pngCuts: [string, number][] = [
    ['signature-3', 3],
    ['signature-7', 7],
    ['ihdr-length', 10],
    ['ihdr-type', 14],
    ['ihdr-width', 18],
    ['ihdr-height', 22],
    ['ihdr-fields', 28],
    ['ihdr-crc', 31],
    ['idat-length', 35],
    ['idat-data', 45],
    ['idat-crc', goodPng.length - 14],
    ['iend', goodPng.length - 4],
  ]
  for (const [where, cut] of pngCuts) {
    add({
      id: `png-cut-${where}`,
      format: 'png',
      build: (r) => {
        png(r)
        write(r, 'cat/broken.png', goodPng.subarray(0, cut))
      },
      outcome: imported(new RegExp(`cat/broken\\.png: (corrupt PNG|named \\.png but not a PNG or JPEG image).*; skipped`), 18),
    })
  }
  const pngDamage: [string, () => Buffer, RegExp][] = [
    [
      'ihdr-bad-crc',
      () => {
        const b = Buffer.from(goodPng)
        b[29] ^= 0xff
        return b
      },
      /corrupt PNG \(the checksum \(CRC\) of its IHDR chunk is wrong: the file is damaged\)/,
    ],
    [
      'idat-bad-crc',
      () => {
        const b = Buffer.from(goodPng)
        b[41 + b.readUInt32BE(33)] ^= 0xff
        return b
      },
      /corrupt PNG \(the checksum \(CRC\) of its IDAT chunk is wrong/,
    ],
    [
      'iend-bad-crc',
      () => {
        const b = Buffer.from(goodPng)
        b[b.length - 1] ^= 0xff
        return b
      },
      /corrupt PNG \(the checksum \(CRC\) of its IEND chunk is wrong/,
    ],
    [
      'zlib-header',
      () => {
        const b = Buffer.from(goodPng)
        b[41] = 0xee
        b[42] = 0xee
        fixCrc(b, 33)
        return b
      },
      /corrupt PNG \(the compressed image data is corrupt\)/,
    ],
    [
      'zlib-body',
      () => {
        const b = Buffer.from(goodPng)
        for (let i = 44; i < 41 + b.readUInt32BE(33) - 4; i += 3) b[i] ^= 0x55
        fixCrc(b, 33)
        return b
      },
      /corrupt PNG \((the compressed image data is corrupt|the image data is cut short|a row has an unknown filter type)/,
    ],
    [
      'colour-type-5',
      () => {
        const b = Buffer.from(goodPng)
        b[25] = 5
        fixCrc(b, 8)
        return b
      },
      /corrupt PNG: PNG header has an invalid colour type 5/,
    ],
    [
      'zero-width',
      () => {
        const b = Buffer.from(goodPng)
        b.writeUInt32BE(0, 16)
        fixCrc(b, 8)
        return b
      },
      /corrupt PNG: PNG header says the image is 0 pixels wide or high/,
    ],
    ['claims-70000x70000', () => pngClaiming(70_000, 70_000), /corrupt PNG: header says 70000×70000 pixels, beyond the 40-megapixel limit/],
    ['claims-bigger', () => pngClaiming(16, 16), /(corrupt PNG .*|decoded size .*); skipped|images have mixed sizes/],
    ['no-iend', () => goodPng.subarray(0, goodPng.length - 12), /corrupt PNG \(the image data is cut short \(no IEND chunk\)\)/],
    ['text', () => Buffer.from('hello, I am not an image'), /named \.png but not a PNG or JPEG image \(content: text/],
    ['binary', () => Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), /named \.png but not a PNG or JPEG image \(content: binary data starting 00010203\)/],
    ['zero-byte', () => Buffer.alloc(0), /empty file \(0 bytes\); skipped/],
  ]
  for (const [id, bytes, warning] of pngDamage) {
    add({
      id: `png-${id}`,
      format: 'png',
      build: (r) => {
        png(r)
        write(r, 'dog/bad.png', bytes())
      },
      // a header that claims another size than its siblings is a mixed-size folder: the offer to resize
      outcome: id === 'claims-bigger' ? refused('', warning) : imported(new RegExp(`dog/bad\\.png: ${warning.source}`), 18),
    })
  }
  const goodJpeg = jpegBytes(8, 8, 3)
  for (const cut of [2, 3, 10, 40, 100, 200, goodJpeg.length - 50, goodJpeg.length - 2]) {
    add({
      id: `jpeg-cut-${cut}`,
      format: 'jpeg',
      build: (r) => {
        jpegs(r)
        write(r, 'eel/cut.jpg', goodJpeg.subarray(0, cut))
      },
      outcome: imported(/eel\/cut\.jpg: (corrupt JPEG|named \.jpg but not a PNG or JPEG image).*; skipped/, 18),
    })
  }
  add({
    id: 'jpeg-no-frame',
    format: 'jpeg',
    build: (r) => {
      jpegs(r)
      write(r, 'eel/nosof.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]))
    },
    outcome: imported(/eel\/nosof\.jpg: corrupt JPEG: JPEG has no frame header/, 18),
  })
  add({ id: 'jpeg-valid', format: 'jpeg', build: jpegs, outcome: imported(undefined, 18) })
  add({ id: 'png-valid', format: 'png', build: png, outcome: imported(undefined, 18) })
  add({
    id: 'png-all-test-broken',
    format: 'png',
    build: (r) => {
      imageFolder(r, { split: true, perClass: 6 })
      for (const cls of ['cat', 'dog', 'eel']) for (const i of [4, 5]) write(r, `test/${cls}/img${i}.png`, goodPng.subarray(0, 50))
    },
    outcome: refused('test', /the test split is empty: (none of its 6 images could be decoded \(e\.g\. test\/cat\/img4\.png: |no images in any class folder)/),
  })
  add({
    id: 'png-every-image-broken',
    format: 'png',
    build: (r) => {
      for (const cls of ['cat', 'dog']) for (let i = 0; i < 3; i++) write(r, `${cls}/${i}.png`, goodPng.subarray(0, 20))
    },
    outcome: refused('', /not a dataset: no PNG or JPEG images in the class folders \(cat\/0\.png: corrupt PNG/),
  })
  add({
    id: 'png-one-class',
    format: 'png',
    build: (r) => imageFolder(r, { classes: ['solo'] }),
    outcome: refused('', /only one class \('solo'\) has images: a classifier needs at least two class folders/),
  })
  add({
    id: 'png-mixed-sizes',
    format: 'png',
    build: (r) => {
      png(r)
      write(r, 'cat/big.png', pngBytes(12, 10, 1))
    },
    outcome: refused('', /images have mixed sizes \(height×width\): 8×8 \(18\), 12×10 \(1, e\.g\. cat\/big\.png\); import again with resize to 8×8/),
  })
  add({
    id: 'png-bomb-eight',
    format: 'png',
    build: (r) => {
      const big = bigBlankPng(6000, 6000)
      for (const cls of ['a', 'b']) for (let i = 0; i < 4; i++) write(r, `${cls}/${i}.png`, big)
    },
    outcome: refused('', /claims 8 images of 6000×6000×1 \(288 MB\) from .* of compressed data, more than the 100-fold expansion/),
  })
  add({
    id: 'png-empty-classes',
    format: 'png',
    build: (r) => {
      mkdirSync(join(r, 'cat'), { recursive: true })
      mkdirSync(join(r, 'dog'), { recursive: true })
      write(r, 'dog/readme.png', 'not an image')
    },
    outcome: refused('', /not a dataset: no PNG or JPEG images in the class folders/),
  })
  add({
    id: 'png-nested-too-deep',
    format: 'png',
    build: (r) => {
      png(r)
      write(r, 'cat/a/b/c/d/e/f/g/deep.png', goodPng)
    },
    outcome: imported(/is nested below a class folder; skipped|deeper than 6 folders; skipped/, 18),
  })
  add({
    id: 'png-task-regression',
    format: 'png',
    build: png,
    options: { task: 'regression' },
    outcome: refused('', /image folders are classes: task 'regression' does not apply/),
  })

  //#endregion

  //#region CSV

  add({ id: 'csv-valid', format: 'csv', build: (r) => csv(r), outcome: imported(undefined, CSV_ROWS) })
  add({ id: 'csv-bom', format: 'csv', build: (r) => csv(r, '\uFEFF' + csvText()), outcome: imported(undefined, CSV_ROWS) })
  add({ id: 'csv-crlf', format: 'csv', build: (r) => csv(r, csvText().replace(/\n/g, '\r\n')), outcome: imported(undefined, CSV_ROWS) })
  add({
    id: 'csv-quoted-commas',
    format: 'csv',
    build: (r) =>
      csv(
        r,
        csvText((i) => (i % 2 ? '"cat, grey"' : '"dog, ""big"""')),
      ),
    outcome: imported(undefined, CSV_ROWS),
  })
  add({
    id: 'csv-ragged',
    format: 'csv',
    build: (r) => csv(r, csvText() + '1,2\n3,4,5,6\n'),
    outcome: imported(/data\.csv: line 42 has 2 fields, the header 3; row skipped/, CSV_ROWS),
  })
  add({
    id: 'csv-all-ragged',
    format: 'csv',
    build: (r) => csv(r, 'a,b,label\n' + Array.from({ length: 20 }, () => '1,2').join('\n') + '\n'),
    outcome: refused('', /the (train|test) split is empty/),
  })
  add({
    id: 'csv-embedded-newline',
    format: 'csv',
    build: (r) => csv(r, csvText() + '1,2,"two\nlines"\n'),
    outcome: imported(/data\.csv: line 4[23] has [12] fields, the header 3; row skipped/),
  })
  add({
    id: 'csv-nan-features',
    format: 'csv',
    build: (r) => csv(r, csvText() + 'NaN,1,0\n1,inf,1\n,2,0\n'),
    outcome: imported(/data\.csv: line 42: column 'a' is 'NaN', not a number; row skipped/, CSV_ROWS),
  })
  add({
    id: 'csv-nan-labels',
    format: 'csv',
    build: (r) => csv(r, csvText() + '1,2,NaN\n1,2,-Infinity\n'),
    outcome: imported(/data\.csv: line 42: the label is 'NaN', not a finite number; row skipped/, CSV_ROWS),
  })
  add({ id: 'csv-header-only', format: 'csv', build: (r) => csv(r, 'a,b,label\n'), outcome: refused('', /the train split is empty/) })
  add({
    id: 'csv-no-header',
    format: 'csv',
    build: (r) => csv(r, '1,2,0\n3,4,1\n'),
    outcome: refused('data.csv', /has no header row \(line 1 holds numbers\)/),
  })
  add({
    id: 'csv-unknown-label-column',
    format: 'csv',
    build: (r) => csv(r),
    options: { labelColumn: 'kind' },
    outcome: refused('data.csv', /has no column 'kind' \(columns: a, b, label\)/),
  })
  add({
    id: 'csv-long-line',
    format: 'csv',
    build: (r) => csv(r, 'a,b,label\n' + '1,'.repeat(700_000) + '1\n'),
    outcome: refused('data.csv', /line 2 is longer than 1,048,576 bytes: not a CSV table this import reads/),
  })
  add({
    id: 'csv-300-integer-labels',
    format: 'csv',
    build: (r) => csv(r, 'a,b,y\n' + Array.from({ length: 600 }, (_, i) => `${i},${i % 9},${i % 300}`).join('\n') + '\n'),
    outcome: refused(
      'data.csv',
      /label column 'y' holds more than 100 different whole numbers: classes, or a regression target\? say which with the import option task/,
    ),
  })
  add({
    id: 'csv-300-integer-labels-regression',
    format: 'csv',
    build: (r) => csv(r, 'a,b,y\n' + Array.from({ length: 600 }, (_, i) => `${i},${i % 9},${i % 300}`).join('\n') + '\n'),
    options: { task: 'regression' },
    outcome: imported(undefined, 600),
  })
  add({
    id: 'csv-many-text-labels',
    format: 'csv',
    build: (r) => csv(r, 'a,b,y\n' + Array.from({ length: 300 }, (_, i) => `${i},${i % 9},k${i}`).join('\n') + '\n'),
    outcome: refused('data.csv', /label column 'y' has more than 100 different values; at most 100 classes \(or numbers, for regression\)/),
  })
  add({
    id: 'csv-text-regression',
    format: 'csv',
    build: (r) =>
      csv(
        r,
        csvText((i) => (i % 2 ? 'cat' : 'dog')),
      ),
    options: { task: 'regression' },
    outcome: refused('data.csv', /line 2: the label is 'dog', not a number, but task is regression/),
  })
  add({
    id: 'csv-one-column',
    format: 'csv',
    build: (r) => csv(r, 'a,\n1,\n2,\n'),
    outcome: refused('', /the (train|test) split is empty|at least one feature column/),
  })
  add({ id: 'csv-empty-file', format: 'csv', build: (r) => csv(r, ''), outcome: refused('', /not a dataset: found no IDX files/) })
  add({ id: 'csv-whitespace', format: 'csv', build: (r) => csv(r, '   \n\n  \n'), outcome: refused('', /not a dataset/) })
  add({ id: 'csv-semicolons', format: 'csv', build: (r) => csv(r, 'a;b;label\n1;2;0\n'), outcome: refused('', /not a dataset: found no IDX files/) })
  add({
    id: 'csv-utf16',
    format: 'csv',
    build: (r) => write(r, 'data.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvText(), 'utf16le')])),
    outcome: refused('', /not a dataset/),
  })
  add({ id: 'csv-binary', format: 'csv', build: (r) => write(r, 'data.csv', Buffer.from([1, 2, 0, 44, 5, 44, 6, 10])), outcome: refused('', /not a dataset/) })
  add({
    id: 'csv-two-tables',
    format: 'csv',
    build: (r) => {
      csv(r)
      write(r, 'more.csv', csvText())
    },
    outcome: refused('data.csv, more.csv', /several CSV files: keep one, or name them train\.csv and test\.csv/),
  })
  add({
    id: 'csv-train-test-columns-differ',
    format: 'csv',
    build: (r) => {
      write(r, 'train.csv', csvText())
      write(r, 'test.csv', csvText().replace('a,b,label', 'x,b,label'))
    },
    outcome: refused('test.csv', /columns differ from train\.csv's \(a, b, label\)/),
  })
  add({
    id: 'csv-negative-labels',
    format: 'csv',
    build: (r) =>
      csv(
        r,
        csvText((i) => (i % 2 ? '-1' : '1')),
      ),
    outcome: imported(undefined, CSV_ROWS),
  })

  //#endregion

  //#region the file system: names, links, FIFOs, empty things — crossed with every format

  const formats: [string, (r: string) => void, string][] = [
    ['idx', (r) => idx(r, false), 'train-images-idx3-ubyte'],
    ['idx-gz', (r) => idx(r, true), 'train-images-idx3-ubyte.gz'],
    ['cifar', cifar, 'data_batch_1.bin'],
    ['npy', (r) => npy(r), 'x.npy'],
    ['png', png, 'cat/img0.png'],
    ['jpeg', jpegs, 'cat/img0.jpg'],
    ['csv', (r) => csv(r), 'data.csv'],
  ]
  for (const [f, base, main] of formats) {
    const inClassFolder = main.includes('/')
    const dir = inClassFolder ? 'cat/' : ''
    add({
      id: `${f}-unicode-folder`,
      format: f,
      build: (r) => base(join(r, 'données-数据-😀')),
      outcome: imported(),
    })
    add({
      id: `${f}-newline-stray-file`,
      format: f,
      build: (r) => {
        base(r)
        write(r, `${dir}evil\nspline-lab: imported 1 dataset.txt`, 'x')
      },
      outcome: imported(),
    })
    add({
      id: `${f}-bidi-stray-file`,
      format: f,
      build: (r) => {
        base(r)
        write(r, `${dir}read\u202eme.txt`, 'x')
      },
      outcome: imported(),
    })
    add({
      id: `${f}-symlink-loop`,
      format: f,
      build: (r) => {
        base(r)
        symlinkSync(join(r, inClassFolder ? 'cat' : '.'), join(r, `${dir}loop`))
      },
      outcome: imported(/links back to a folder already read \(a symlink loop\); skipped/),
    })
    add({
      id: `${f}-self-link`,
      format: f,
      build: (r) => {
        base(r)
        symlinkSync('self', join(r, `${dir}self`))
      },
      outcome: imported(/self: is a symlink loop; skipped/),
    })
    add({
      id: `${f}-escape-link`,
      format: f,
      build: (r) => {
        base(r)
        symlinkSync('/etc/passwd', join(r, `${dir}passwd.txt`))
        symlinkSync('/etc', join(r, `${dir}etc`))
      },
      outcome: imported(/links outside the dataset folder; skipped/),
    })
    add({
      id: `${f}-dangling-link`,
      format: f,
      build: (r) => {
        base(r)
        symlinkSync(join(r, 'nowhere'), join(r, `${dir}gone.bin`))
      },
      outcome: imported(/gone\.bin: does not exist .*; skipped/),
    })
    add({
      id: `${f}-main-file-zero-bytes`,
      format: f,
      build: (r) => {
        base(r)
        writeFileSync(join(r, main), '')
      },
      outcome:
        f === 'png' || f === 'jpeg'
          ? imported(new RegExp(`${main.replace('.', '\\.')}: empty file \\(0 bytes\\); skipped`), 17)
          : f === 'idx'
            ? refused(main, /is empty \(0 bytes\)/)
            : f === 'idx-gz'
              ? refused(main, /is empty \(0 bytes\)|ends inside its magic number/)
              : f === 'cifar'
                ? // the empty batch is skipped; the test batch alone is split by us
                  imported(/data_batch_1\.bin: 0 bytes is not a whole number of 3,073-byte CIFAR-10 records/, 10)
                : f === 'npy'
                  ? refused('y.npy', /expected one inputs file and one labels file/)
                  : refused('', /not a dataset/),
    })
    add({
      id: `${f}-main-file-is-link-to-sibling`,
      format: f,
      build: (r) => {
        base(r)
        const other = join(r, 'elsewhere.bin')
        renameSync(join(r, main), other)
        symlinkSync(other, join(r, main))
      },
      outcome: imported(),
    })
    if (hasMkfifo) {
      add({
        id: `${f}-fifo-beside`,
        format: f,
        fifo: true,
        build: (r) => {
          base(r)
          fifo(join(r, `${dir}pipe.png`))
        },
        outcome: imported(/pipe\.png: is not a regular file \(a FIFO\); skipped/),
      })
      add({
        id: `${f}-fifo-instead-of-main`,
        format: f,
        fifo: true,
        build: (r) => {
          base(r)
          rmSync(join(r, main))
          fifo(join(r, main))
        },
        outcome:
          f === 'png' || f === 'jpeg'
            ? imported(/is not a regular file \(a FIFO\); skipped/, 17)
            : f === 'idx' || f === 'idx-gz'
              ? refused(f === 'idx' ? 'train-labels-idx1-ubyte' : 'train-labels-idx1-ubyte.gz', /no IDX image file for the train split/)
              : f === 'cifar'
                ? imported(/data_batch_1\.bin: is not a regular file \(a FIFO\); skipped/, 10)
                : f === 'npy'
                  ? refused('y.npy', /expected one inputs file and one labels file/)
                  : refused('', /not a dataset/),
      })
    }
  }

  //#endregion

  //#region folders that are not datasets

  add({ id: 'fs-empty', format: 'fs', build: () => {}, outcome: refused('', /not a dataset: the folder holds no files \(hidden files are ignored\)/) })
  add({
    id: 'fs-only-hidden',
    format: 'fs',
    build: (r) => {
      write(r, '.DS_Store', 'x')
      write(r, '.hidden/a.png', pngBytes(8, 8, 1))
      write(r, '__MACOSX/._a', 'x')
    },
    outcome: refused('', /not a dataset: the folder holds no files/),
  })
  add({
    id: 'fs-only-text',
    format: 'fs',
    build: (r) => write(r, 'notes.md', '# thesis'),
    outcome: refused('', /not a dataset: found no IDX files, CIFAR batches/),
  })
  add({ id: 'fs-missing', format: 'fs', build: () => {}, target: 'nope', outcome: refused('nope', /no such folder/) })
  add({
    id: 'fs-a-file',
    format: 'fs',
    build: (r) => write(r, 'file.csv', csvText()),
    target: 'file.csv',
    outcome: refused('file.csv', /is a file, not a folder/),
  })
  add({
    id: 'fs-root-link-loop',
    format: 'fs',
    build: (r) => {
      symlinkSync(join(r, 'b'), join(r, 'a'))
      symlinkSync(join(r, 'a'), join(r, 'b'))
    },
    target: 'b',
    outcome: refused('b', /no such folder|symlink loop/),
  })
  add({
    id: 'fs-root-is-link',
    format: 'fs',
    build: (r) => {
      png(join(r, 'real'))
      symlinkSync(join(r, 'real'), join(r, 'link'))
    },
    target: 'link',
    outcome: imported(undefined, 18),
  })
  add({
    id: 'fs-wrapped-twice',
    format: 'fs',
    build: (r) => png(join(r, 'archive', 'inner')),
    outcome: imported(undefined, 18),
  })
  add({
    id: 'fs-deep-empty',
    format: 'fs',
    build: (r) => mkdirSync(join(r, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { recursive: true }),
    // a folder that only wraps another is looked into, two levels deep
    outcome: refused('a/b/c', /not a dataset/),
  })
  add({
    id: 'fs-long-names',
    format: 'fs',
    build: (r) => {
      png(r)
      write(r, `cat/${'x'.repeat(240)}.png`, goodPng)
    },
    outcome: imported(undefined, 19),
  })
  add({
    id: 'fs-quotes-and-spaces',
    format: 'fs',
    build: (r) => {
      png(r)
      write(r, `dog/it's "quoted" & spaced $(x).png`, 'not really')
    },
    outcome: imported(/dog\/it's "quoted" & spaced \$\(x\)\.png: named \.png but not a PNG or JPEG image/),
  })
  add({
    id: 'fs-newline-in-class',
    format: 'fs',
    build: (r) => {
      png(r)
      mkdirSync(join(r, 'bad\nclass'))
      write(r, 'bad\nclass/x.png', 'no')
    },
    outcome: imported(/bad\\nclass: class folder has no images; skipped/),
  })
  add({
    id: 'fs-newline-fatal-name',
    format: 'fs',
    build: (r) => {
      idx(r, false)
      const b = idxImages(3)
      b.writeUInt32BE(0x12345678, 0)
      write(r, 'train-images-idx3-ubyte\nspline-lab: fake second line', b)
    },
    outcome: refused('train-images-idx3-ubyte\\nspline-lab: fake second line', /wrong magic number 0x12345678/),
  })

  //#endregion

  return cases
}
