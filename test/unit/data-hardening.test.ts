/**
 * Imports that cannot be bombed, hang or leak (issue 17): the budget refuses what headers claim
 * before it is read, IDX streams in linear time, labels are validated (and `task` settles what is
 * ambiguous), messages name the real problem on one line, a cancelled import leaves nothing, and
 * a run cannot load more of a cached dataset than memory holds.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { PNG } from 'pngjs'
import { importFolder } from '../../src-main/data/import/importFolder'
import { readCache, removeOrphanTemporaries } from '../../src-main/data/import/cacheFile'
import { ImportBudget } from '../../src-main/data/import/budget'
import { ImportCancelled, ImportError, oneLine } from '../../src-main/data/import/errors'
import { DatasetError, loadImported } from '../../src-main/data/cachedDataset'
import { decodeImage, readImageHeader } from '../../src-main/data/import/images'
import { tempDir } from '../helpers/tmp'
import { idxBytes, idxFolder, imageFolder, npyBytes, pngBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-hard-')
afterAll(() => tmp.cleanup())
let n = 0
const folder = () => join(tmp.dir, `src${n++}`)
const dataDir = join(tmp.dir, 'app')
const run = (root: string, options = {}) => importFolder(root, options, { dataDir })
const temporaries = () => {
  try {
    return readdirSync(join(dataDir, 'datasets')).filter((f) => f.endsWith('.tmp'))
  } catch {
    return []
  }
}

async function fails(root: string, options = {}): Promise<string> {
  const before = snapshot(root)
  const err = await run(root, options).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ImportError)
  const message = (err as Error).message
  expect(message.split('\n')).toHaveLength(1)
  expect(message).not.toMatch(/\s+at \S+ \(|node_modules|\.ts:\d+/)
  expect(snapshot(root)).toBe(before)
  expect(temporaries()).toEqual([])
  return message
}

/** an IDX images header promising `dims` (records first) followed by `body` */
function idxHeader(dims: number[], type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt32BE(0x0800 + dims.length, 0)
  head[2] = type
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  return head
}

function labelsFile(count: number, classes = 3): Buffer {
  return idxBytes(
    'labels',
    new Uint8Array(count).map((_, i) => i % classes),
    count,
  )
}

describe('the import budget refuses bombs before reading them', () => {
  it('a 300 kB gzip IDX that claims 300 MB is refused in well under 2 s, naming the file, the claim and the flag', async () => {
    const root = folder()
    const zeros = gzipSync(Buffer.concat([idxHeader([375_000, 28, 28]), Buffer.alloc(294_000_000)]), { level: 9 })
    expect(zeros.length).toBeLessThan(400_000)
    write(root, 'train-images-idx3-ubyte.gz', zeros)
    write(root, 'train-labels-idx1-ubyte.gz', gzipSync(labelsFile(375_000)))
    const started = performance.now()
    const message = await fails(root)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(message).toMatch(/train-images-idx3-ubyte\.gz: claims 375,000 images of 28×28 \(296 MB\) from \d+ kB of compressed data/)
    expect(message).toMatch(/decompression bomb/)
    expect(message).toMatch(/--max-bytes 500000000, import option maxBytes: 500000000/)
  })

  it('a 261 kB IDX folder promising 4·10⁹ records of 1×1 is refused by its header alone', async () => {
    const root = folder()
    write(root, 'train-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHeader([4_294_967_295, 1, 1]), Buffer.alloc(260_000)])))
    write(root, 'train-labels-idx1-ubyte.gz', gzipSync(Buffer.concat([idxHeader([4_294_967_295]).fill(0, 0, 2), Buffer.alloc(1000)])))
    const message = await fails(root)
    expect(message).toMatch(/train-images-idx3-ubyte\.gz: claims 4,294,967,295 images of 1×1 \(21\.5 GB in the cache\), beyond the import budget of 4\.3 GB/)
  })

  it('a plain IDX whose header promises more than the file holds is refused at once (not read to its end)', async () => {
    const root = folder()
    write(root, 'train-images-idx3-ubyte', Buffer.concat([idxHeader([1_000_000, 28, 28]), Buffer.alloc(5000)]))
    write(root, 'train-labels-idx1-ubyte', labelsFile(1_000_000))
    expect(await fails(root)).toMatch(
      /train-images-idx3-ubyte: truncated: the header promises 1,000,000 records of 784 bytes but the file holds 6 and 296 bytes/,
    )
  })

  it('eight tiny PNGs claiming 6000×6000 pixels each are refused before one is decoded', async () => {
    const root = folder()
    const big = bigPng(6000, 6000)
    expect(big.length).toBeLessThan(200_000)
    for (const cls of ['a', 'b']) for (let i = 0; i < 4; i++) write(root, `${cls}/${i}.png`, big)
    const message = await fails(root)
    expect(message).toMatch(/: claims 8 images of 6000×6000×1 \(288 MB\) from .* of compressed data, more than the 100-fold expansion/)
    expect(message).toMatch(/--max-bytes/)
  })

  it('an explicit maxBytes is the budget: too small refuses, large enough imports', async () => {
    const root = folder()
    idxFolder(root, { train: 40, test: 10 })
    expect(await fails(root, { maxBytes: 500 })).toMatch(
      /claims 40 images of 4×4 \(800 bytes in the cache\), beyond the import budget of 500 bytes; .*--max-bytes 1000/,
    )
    const ok = await run(root, { maxBytes: 10_000 })
    expect(ok.info.trainCount).toBe(40)
    // the budget decides whether, not what: the same cache as without it
    expect((await run(root)).info.id).toBe(ok.info.id)
  })

  it('counts the examples too: labels and bookkeeping of each example live in memory', () => {
    const budget = new ImportBudget(128 * 1000, tmp.dir)
    expect(() => budget.claim({ file: 'x.csv', what: '1,001 rows', bytes: 1001, examples: 1001 })).toThrow(
      /more than the 1,000 examples the import budget of 128 kB allows/,
    )
    budget.claim({ file: 'x.csv', what: '1,000 rows', bytes: 1000, examples: 1000 })
    expect(() => budget.claim({ file: 'x.csv', what: 'one more', bytes: 1, examples: 1 })).toThrow(ImportError)
  })

  it('CSV rows are counted against the budget as they are read', async () => {
    const root = folder()
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i % 7},${i % 2}`).join('\n')
    write(root, 'data.csv', `a,b,label\n${rows}\n`)
    expect(await fails(root, { maxBytes: 100_000 })).toMatch(
      /data\.csv: claims 4,096 rows of 2 numbers \(counted as read\), more than the 781 examples the import budget of 100 kB allows/,
    )
    const wide = folder()
    const cols = Array.from({ length: 100 }, (_, k) => `f${k}`).join(',')
    write(
      wide,
      'data.csv',
      `${cols},label\n${Array.from(
        { length: 9000 },
        (_, i) =>
          `${Array(100)
            .fill(i % 10)
            .join(',')},${i % 2}`,
      ).join('\n')}\n`,
    )
    expect(await fails(wide, { maxBytes: 3_000_000 })).toMatch(
      /data\.csv: claims 8,192 rows of 100 numbers \(counted as read\) \(3\.3 MB in the cache with what was claimed before\), beyond the import budget of 3 MB/,
    )
  })
})

function bigPng(w: number, h: number): Buffer {
  const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false })
  png.data = Buffer.alloc(w * h)
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 9 })
}

describe('IDX streaming', () => {
  it('is linear: two 30 MB records through gunzip take seconds, not minutes', async () => {
    const root = folder()
    const side = 5400
    const body = Buffer.alloc(2 * side * side)
    for (let i = 0; i < body.length; i += 4099) body[i] = i & 255
    write(root, 'train-images-idx3-ubyte.gz', gzipSync(Buffer.concat([idxHeader([2, side, side]), body]), { level: 1 }))
    write(root, 'train-labels-idx1-ubyte', labelsFile(2, 2))
    const started = performance.now()
    const out = await run(root)
    const ms = performance.now() - started
    console.log(`two ${side}×${side} records through gunzip: ${ms.toFixed(0)} ms`)
    expect(ms).toBeLessThan(10_000)
    expect(out.info.thumbnails![0]!.length).toBeLessThan(20_000)
    const cache = readCache(out.cacheFile)
    const rows = [...cache.xTrain.subarray(0, side * side)].length + cache.xTest.length
    expect(rows).toBe(2 * side * side)
  }, 60_000)

  it('hands on every byte of records that chunk boundaries cut, gzipped or not, and ignores trailing bytes', async () => {
    for (const [h, w] of [
      [1, 7],
      [331, 303], // 100,293 bytes: never a divisor of a chunk
      [1, 1],
    ] as const) {
      for (const gzip of [false, true]) {
        const root = folder()
        const count = 40
        const x = new Uint8Array(count * h * w).map((_, i) => (i * 31 + (i >> 8)) & 255)
        const images = Buffer.concat([idxHeader([count, h, w]), x, Buffer.from('trailing padding')])
        write(root, `train-images-idx3-ubyte${gzip ? '.gz' : ''}`, gzip ? gzipSync(images) : images)
        write(root, 'train-labels-idx1-ubyte', labelsFile(count, 2))
        const out = await run(root)
        const cache = readCache(out.cacheFile)
        const back = Buffer.concat([Buffer.from(cache.xTrain), Buffer.from(cache.xTest)])
        // the seeded split reorders rows; compare as a multiset of rows
        const rowsOf = (buf: Uint8Array) =>
          Array.from({ length: count }, (_, r) => Buffer.from(buf.subarray(r * h * w, (r + 1) * h * w)).toString('hex')).sort()
        expect(rowsOf(back)).toEqual(rowsOf(x))
      }
    }
  })
})

describe('labels are validated', () => {
  const npyPair = (
    root: string,
    y: Buffer,
    x = npyBytes(
      '|u1',
      [6, 2],
      new Uint8Array(12).map((_, i) => i),
    ),
  ) => {
    write(root, 'x.npy', x)
    write(root, 'y.npy', y)
  }

  it('.npy NaN or infinite targets are refused, naming the row', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const root = folder()
      npyPair(root, npyBytes('<f4', [6], Float32Array.from([0.5, 1.5, bad, 2, 3, 4])))
      expect(await fails(root)).toMatch(new RegExp(`y\\.npy: label 2 is ${String(bad)}: labels must be finite numbers`))
    }
  })

  it('a negative .npy label never silently turns the dataset into regression', async () => {
    const root = folder()
    npyPair(root, npyBytes('<i4', [6], Int32Array.from([0, 1, -1, 1, 0, 1])))
    expect(await fails(root)).toMatch(
      /y\.npy: label 2 is -1: class labels must be 0, 1, 2, …; if these are regression targets, .*--task classification\|regression/,
    )
    const asTargets = await run(root, { task: 'regression' })
    expect(asTargets.info).toMatchObject({ task: 'regression', numClasses: 1 })
    expect(await fails(root, { task: 'classification' })).toMatch(/label 2 is -1, but class labels must be 0, 1, 2, …/)
  })

  it('many .npy integer labels ask which task; task says it', async () => {
    const root = folder()
    const count = 1500
    write(
      root,
      'x.npy',
      npyBytes(
        '<f4',
        [count, 2],
        new Float32Array(count * 2).map((_, i) => i / 7),
      ),
    )
    write(
      root,
      'y.npy',
      npyBytes(
        '<i4',
        [count],
        Int32Array.from({ length: count }, (_, i) => i),
      ),
    )
    expect(await fails(root)).toMatch(/labels are whole numbers up to 1,499: 1,500 classes, or a regression target\? say which with the import option task/)
    expect((await run(root, { task: 'classification' })).info).toMatchObject({ task: 'classification', numClasses: 1500 })
    expect((await run(root, { task: 'regression' })).info).toMatchObject({ task: 'regression' })
  })

  it('300 integer CSV labels ask which task instead of silently becoming regression', async () => {
    const root = folder()
    const rows = Array.from({ length: 600 }, (_, i) => `${i / 10},${(i * 7) % 13},${i % 300}`)
    write(root, 'data.csv', `a,b,label\n${rows.join('\n')}\n`)
    expect(await fails(root)).toMatch(
      /data\.csv: label column 'label' holds more than 100 different whole numbers: classes, or a regression target\? say which with the import option task \(CLI --task/,
    )
    expect((await run(root, { task: 'regression' })).info).toMatchObject({ task: 'regression', numClasses: 1 })
    expect((await run(root, { task: 'classification' })).info).toMatchObject({ task: 'classification', numClasses: 300 })
  })

  it('a CSV label that is NaN or infinite skips its row, not the whole column into text classes', async () => {
    const root = folder()
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2}`)
    rows[4] = '4,1,NaN'
    rows[9] = '9,0,-inf'
    write(root, 'data.csv', `a,b,y\n${rows.join('\n')}\n`)
    const out = await run(root)
    expect(out.info).toMatchObject({ task: 'classification', numClasses: 2, trainCount: expect.any(Number) })
    expect(out.info.trainCount + out.info.testCount).toBe(18)
    expect(out.info.warnings!.join('\n')).toMatch(/data\.csv: line 6: the label is 'NaN', not a finite number; row skipped/)
    expect(out.info.warnings!.join('\n')).toMatch(/data\.csv: line 11: the label is '-inf', not a finite number; row skipped/)
  })

  it("a class-only format refuses task 'regression'", async () => {
    const root = folder()
    idxFolder(root)
    expect(await fails(root, { task: 'regression' })).toMatch(/IDX labels are classes: task 'regression' does not apply/)
  })
})

describe('messages that say what is wrong', () => {
  it('a truncated IDX header says truncated, not "wrong magic 0x00000803"', async () => {
    for (const keep of [6, 9, 13]) {
      const root = folder()
      idxFolder(root)
      write(root, 'train-images-idx3-ubyte', idxHeader([30, 4, 4]).subarray(0, keep))
      const message = await fails(root)
      expect(message).toMatch(new RegExp(`train-images-idx3-ubyte: truncated: the file ends inside its header \\(${keep} of 16 bytes`))
      expect(message).not.toMatch(/wrong magic/)
    }
    const root = folder()
    idxFolder(root)
    write(root, 'train-labels-idx1-ubyte', Buffer.from([0, 0]))
    expect(await fails(root)).toMatch(/train-labels-idx1-ubyte: truncated: the file ends inside its magic number \(2 of 4 bytes/)
  })

  it('a newline in a file name cannot split the one line (or forge a second one)', async () => {
    const root = folder()
    idxFolder(root)
    const evil = 'train-images-idx3-ubyte\nspline-lab: imported OK'
    const bytes = idxBytes('images', new Uint8Array(16), 1)
    bytes.writeUInt32BE(0x12345678, 0)
    write(root, evil, bytes)
    const message = await fails(root)
    expect(message).toContain('train-images-idx3-ubyte\\nspline-lab: imported OK: wrong magic number 0x12345678')
    const images = folder()
    imageFolder(images)
    write(images, 'cat/bad\nname\u202e.png', 'not an image')
    const out = await run(images)
    const warning = out.info.warnings!.find((w) => w.includes('bad'))!
    expect(warning).toBe('cat/bad\\nname\\u202e.png: named .png but not a PNG or JPEG image (content: text ("not an image…")); skipped')
    expect(oneLine('a\tb\r\u0007')).toBe('a\\tb\\r\\x07')
  })

  it('decoder internals do not leak: a bad CRC and corrupt compressed data are said in words', async () => {
    const root = folder()
    imageFolder(root, { perClass: 5 })
    const png = pngBytes(8, 8, 1, 3)
    const crc = Buffer.from(png)
    crc[41 + crc.readUInt32BE(33)] ^= 0xff // the IDAT chunk's CRC no longer matches its data
    write(root, 'cat/crc.png', crc)
    const zlib = Buffer.from(png)
    zlib.fill(0xee, 33 + 8, 33 + 8 + 6)
    writeCrc(zlib)
    write(root, 'dog/zlib.png', zlib)
    const w = (await run(root)).info.warnings!.join('\n')
    expect(w).toMatch(/cat\/crc\.png: corrupt PNG \(the checksum \(CRC\) of its IDAT chunk is wrong: the file is damaged\); skipped/)
    expect(w).toMatch(/dog\/zlib\.png: corrupt PNG \(the compressed image data is corrupt\); skipped/)
    // pngjs alone sometimes returned such a file as an image of uninitialized memory
    const header = readImageHeader(zlib)
    for (let i = 0; i < 50; i++) expect(() => decodeImage(zlib, header, 1)).toThrow('the compressed image data is corrupt')
    expect(w).not.toMatch(/Crc error|incorrect header|invalid|Cannot read|undefined/i)
  })

  it('when every image of a split fails, the fatal message gives a per-file reason', async () => {
    const root = folder()
    imageFolder(root, { split: true, perClass: 6 })
    for (const cls of ['cat', 'dog', 'eel']) for (const i of [4, 5]) write(root, `test/${cls}/img${i}.png`, pngBytes(8, 8, 1).subarray(0, 60))
    const message = await fails(root)
    expect(message).toMatch(/test: the test split is empty: none of its 6 images could be decoded \(e\.g\. test\/cat\/img4\.png: corrupt PNG \(/)
  })

  it('zero-sized .npy shapes are refused with exit-2 messages, not "labels and rows went out of step"', async () => {
    for (const shape of [
      [6, 0],
      [6, 5, 0],
    ]) {
      const root = folder()
      write(root, 'x.npy', npyBytes('|u1', shape, new Uint8Array(0)))
      write(root, 'y.npy', npyBytes('|u1', [6], new Uint8Array(6)))
      expect(await fails(root)).toMatch(new RegExp(`x\\.npy: shape \\(${shape.join(', ')}\\) has a zero-sized dimension`))
    }
    const none = folder()
    write(none, 'x.npy', npyBytes('|u1', [0, 3], new Uint8Array(0)))
    write(none, 'y.npy', npyBytes('|u1', [0], new Uint8Array(0)))
    expect(await fails(none)).toMatch(/x\.npy: shape \(0, 3\) holds no examples/)
  })
})

/** recomputes the CRC of the IDAT chunk that starts at byte 33 of a pngjs-written PNG */
function writeCrc(png: Buffer): void {
  const len = png.readUInt32BE(33)
  const table = Array.from({ length: 256 }, (_, k) => {
    let c = k
    for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  let c = 0xffffffff
  for (const b of png.subarray(37, 41 + len)) c = table[(c ^ b) & 0xff]! ^ (c >>> 8)
  png.writeUInt32BE((c ^ 0xffffffff) >>> 0, 41 + len)
}

describe('cancellation and temporaries', () => {
  it('a cancelled import stops, removes its temporaries and writes no cache', async () => {
    const root = folder()
    idxFolder(root, { train: 20_000, test: 100 })
    let reports = 0
    const err = await importFolder(root, {}, { dataDir, cancelled: () => ++reports > 3 }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ImportCancelled)
    expect((err as Error).message).toMatch(/: the import was cancelled$/)
    expect(temporaries()).toEqual([])
    expect(readdirSync(join(dataDir, 'datasets')).filter((f) => f.endsWith('.sldc'))).not.toContain(expect.stringMatching(/tmp/))
  })

  it('orphans of dead processes on this host are removed; live and foreign ones stay', () => {
    const dir = join(tmp.dir, 'orphans')
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
    const dead = 2 ** 22 + 12345 // beyond pid_max: no such process
    const names = {
      dead: `0123456789abcdef.sldc.${host}-${dead}-abc123.tmp`,
      deadTest: `0123456789abcdef.sldc.${host}-${dead}-abc123.test.tmp`,
      live: `0123456789abcdef.sldc.${host}-${process.pid}-abc123.tmp`,
      foreign: `0123456789abcdef.sldc.00000000-${dead}-abc123.tmp`,
      cache: '0123456789abcdef.sldc',
      other: 'notes.tmp',
    }
    for (const name of Object.values(names)) write(dir, name, 'x')
    expect(removeOrphanTemporaries(dir).sort()).toEqual([names.dead, names.deadTest].sort())
    expect(readdirSync(dir).sort()).toEqual([names.live, names.foreign, names.cache, names.other].sort())
  })
})

describe('training on a cached dataset is bounded', () => {
  it('refuses, in one line, a dataset that does not fit the memory a run may use; trainLimit makes it fit', async () => {
    const root = folder()
    idxFolder(root, { train: 200, test: 50 })
    const { info } = await run(root)
    let err: unknown = null
    try {
      loadImported(info.id, dataDir, { budget: 20_000 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(DatasetError)
    expect((err as Error).message).toMatch(
      new RegExp(
        `^dataset '${info.id}' needs 21 kB of memory to train on \\(250 examples of 4×4×1, as float32\\), more than the 20 kB a run may use on this machine; train on fewer examples with trainLimit / testLimit \\(CLI --train-limit \\d+ --test-limit \\d+\\)$`,
      ),
    )
    const cut = loadImported(info.id, dataDir, { train: 100, test: 20, budget: 20_000 })
    expect([cut.yTrain.length, cut.yTest.length]).toEqual([100, 20])
    // the first rows, normalized with the whole split's statistics, as the run's own cut had them
    const whole = loadImported(info.id, dataDir)
    expect(Array.from(cut.xTrain)).toEqual(Array.from(whole.xTrain.subarray(0, 100 * 16)))
    expect(Array.from(cut.xTest)).toEqual(Array.from(whole.xTest.subarray(0, 20 * 16)))
    expect(Array.from(cut.yTest)).toEqual(Array.from(whole.yTest.subarray(0, 20)))
  })
})
