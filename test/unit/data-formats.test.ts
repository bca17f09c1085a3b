/**
 * Each format, detected by content, read into a cache and back: shapes, counts, classes, stats,
 * splits (given or seeded and recorded), and the cache keyed by content.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { appendFileSync, renameSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { importFolder } from '../../src-main/data/import/importFolder'
import { readCache } from '../../src-main/data/import/cacheFile'
import { loadDataset } from '../../src-main/data/datasets'
import { tempDir } from '../helpers/tmp'
import { cifarBytes, idxFolder, imageFolder, jpegBytes, npyBytes, pngBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-formats-')
afterAll(() => tmp.cleanup())
let n = 0
const folder = () => join(tmp.dir, `src${n++}`)
const dataDir = join(tmp.dir, 'app')
const run = (root: string, options = {}) => importFolder(root, options, { dataDir })

describe('formats detected by content', () => {
  it.each([false, true])('IDX pairs (gzip %s) with the split from the file names', async (gzip) => {
    const root = folder()
    idxFolder(root, { gzip, train: 30, test: 12, classes: 3 })
    const before = snapshot(root)
    const { info, cacheFile } = await run(root)
    expect(info).toMatchObject({ format: 'idx', trainCount: 30, testCount: 12, inputShape: [4, 4, 1], numClasses: 3, split: null })
    expect(info.classes).toEqual([
      { name: '0', train: 10, test: 4 },
      { name: '1', train: 10, test: 4 },
      { name: '2', train: 10, test: 4 },
    ])
    expect(snapshot(root)).toBe(before)
    expect(cacheFile.startsWith(dataDir)).toBe(true)
  })

  it('CIFAR-10 batches with batches.meta.txt names, pixels reordered to HWC', async () => {
    const root = folder()
    write(root, 'data_batch_1.bin', cifarBytes(20, 10))
    write(root, 'data_batch_2.bin', cifarBytes(20, 10, 5))
    write(root, 'test_batch.bin', cifarBytes(10, 10, 3))
    write(root, 'batches.meta.txt', 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n')
    const { info, cacheFile } = await run(root)
    expect(info).toMatchObject({ format: 'cifar10', trainCount: 40, testCount: 10, inputShape: [32, 32, 3], numClasses: 10 })
    expect(info.classes![9]!.name).toBe('truck')
    const cache = readCache(cacheFile)
    // record 0 of batch 1: R plane p, G plane p + 50, B plane p + 100 → HWC interleaved
    expect(Array.from(cache.xTrain.subarray(0, 6))).toEqual([0, 50, 100, 1, 51, 101])
    expect(cache.yTrain[0]).toBe(0)
  })

  it('CIFAR-100 train.bin/test.bin with fine labels by default and coarse on request', async () => {
    const root = folder()
    write(root, 'train.bin', cifarBytes(120, 100))
    write(root, 'test.bin', cifarBytes(100, 100, 1))
    const fine = await run(root)
    expect(fine.info).toMatchObject({ format: 'cifar100', numClasses: 100, trainCount: 120, testCount: 100 })
    const coarse = await run(root, { cifar100Labels: 'coarse' })
    expect(coarse.info.numClasses).toBe(20)
    expect(coarse.info.id).not.toBe(fine.info.id)
  })

  it('image folder with train/ and test/, PNG and JPEG, RGB', async () => {
    const root = folder()
    imageFolder(root, { split: true, channels: 3, perClass: 5, size: 6 })
    write(root, 'train/cat/photo.jpg', jpegBytes(6, 6, 3))
    const { info } = await run(root)
    expect(info).toMatchObject({ format: 'image-folder', trainCount: 10, testCount: 6, inputShape: [6, 6, 3], numClasses: 3, split: null })
    expect(info.classes!.map((c) => [c.name, c.train, c.test])).toEqual([
      ['cat', 4, 2],
      ['dog', 3, 2],
      ['eel', 3, 2],
    ])
    expect(info.stats!.mean).toHaveLength(3)
    expect(info.description).toMatch(/PNG and JPEG|JPEG and PNG/)
  })

  it('image folder <class>/* gets a seeded, stratified, recorded split', async () => {
    const root = folder()
    imageFolder(root, { perClass: 10 })
    const a = await run(root)
    expect(a.info.split).toEqual({ seed: 0, testFraction: 0.2 })
    expect(a.info.classes!.every((c) => c.train === 8 && c.test === 2)).toBe(true)
    const b = await run(root, { splitSeed: 7, testFraction: 0.3 })
    expect(b.info.split).toEqual({ seed: 7, testFraction: 0.3 })
    expect(b.info.classes!.every((c) => c.test === 3)).toBe(true)
    const ya = readCache(a.cacheFile)
    const again = readCache((await run(root)).cacheFile)
    expect(again.xTest).toEqual(ya.xTest)
  })

  it('CSV with a detected label column, text classes, and 2-D bounds for the probe grid', async () => {
    const root = folder()
    const rows = ['x1,x2,species']
    for (let i = 0; i < 50; i++) rows.push(`${(i % 7) * 0.5},${i * 0.1},${i % 2 ? 'setosa' : 'virginica'}`)
    write(root, 'iris.csv', rows.join('\n') + '\n')
    const { info, cacheFile } = await run(root, { labelColumn: 'species' })
    expect(info).toMatchObject({ format: 'csv', inputShape: [2], numClasses: 2, task: 'classification' })
    expect(info.trainCount + info.testCount).toBe(50)
    expect(info.classes!.map((c) => c.name)).toEqual(['setosa', 'virginica'])
    expect(readCache(cacheFile).meta.dtype).toBe('float32')
    const ds = loadDataset(info.id, 0, { dataDir })
    expect(ds.bounds).toHaveLength(2)
  })

  it('CSV with a float label is a regression dataset; train.csv/test.csv keep their split', async () => {
    const root = folder()
    const table = (n: number) => ['a,b,target', ...Array.from({ length: n }, (_, i) => `${i},${i * 2},${(i * 0.37).toFixed(3)}`)].join('\n')
    write(root, 'train.csv', table(40))
    write(root, 'test.csv', table(10))
    const { info } = await run(root)
    expect(info).toMatchObject({ task: 'regression', numClasses: 1, trainCount: 40, testCount: 10, split: null })
    const ds = loadDataset(info.id, 0, { dataDir })
    expect(ds.task).toBe('regression')
    expect(ds.yTrain).toBeInstanceOf(Float32Array)
  })

  it('.npy pairs: uint8 images (N, H, W) with int64 labels, and float32 tables', async () => {
    const root = folder()
    const x = new Uint8Array(20 * 5 * 5).map((_, i) => i & 255)
    write(root, 'x_train.npy', npyBytes('|u1', [20, 5, 5], x))
    write(
      root,
      'y_train.npy',
      npyBytes(
        '<i8',
        [20],
        BigInt64Array.from({ length: 20 }, (_, i) => BigInt(i % 2)),
      ),
    )
    write(root, 'x_test.npy', npyBytes('|u1', [4, 5, 5], x.subarray(0, 100)))
    write(root, 'y_test.npy', npyBytes('<i8', [4], BigInt64Array.from([0n, 1n, 0n, 1n])))
    const img = await run(root)
    expect(img.info).toMatchObject({ format: 'npy', inputShape: [5, 5, 1], trainCount: 20, testCount: 4, numClasses: 2 })

    const t = folder()
    write(
      t,
      'X.npy',
      npyBytes(
        '<f4',
        [30, 3],
        Float32Array.from({ length: 90 }, (_, i) => i / 10),
      ),
    )
    write(
      t,
      'y.npy',
      npyBytes(
        '|u1',
        [30],
        Uint8Array.from({ length: 30 }, (_, i) => i % 3),
      ),
    )
    const tab = await run(t)
    expect(tab.info).toMatchObject({ inputShape: [3], numClasses: 3, split: { seed: 0, testFraction: 0.2 } })
    expect(tab.info.trainCount).toBe(24)
    expect(tab.info.stats!.mean).toHaveLength(3)
  })

  it('looks inside a folder that only wraps the dataset folder', async () => {
    const root = folder()
    idxFolder(join(root, 'mnist-unpacked'))
    expect((await run(root)).info.format).toBe('idx')
  })
})

describe('cache keyed by folder content', () => {
  it('reuses an unchanged folder instantly, notices a change, and ignores .DS_Store churn', async () => {
    const root = folder()
    imageFolder(root, { perClass: 5 })
    const first = await run(root)
    expect(first.cached).toBe(false)
    write(root, '.DS_Store', 'finder noise')
    const second = await run(root)
    expect(second.cached).toBe(true)
    expect(second.info.id).toBe(first.info.id)
    write(root, 'cat/new.png', pngBytes(8, 8, 1, 42))
    const third = await run(root)
    expect(third.cached).toBe(false)
    expect(third.info.id).not.toBe(first.info.id)
    expect(third.info.trainCount + third.info.testCount).toBe(16)
    appendFileSync(join(root, 'dog/img0.png'), Buffer.from([0]))
    expect((await run(root)).info.id).not.toBe(third.info.id)
  })

  it('moving a folder keeps its content key (copies and moves need no re-import)', async () => {
    const root = folder()
    idxFolder(root)
    const a = await run(root)
    const moved = `${root}-moved`
    renameSync(root, moved)
    const b = await run(moved)
    expect(b.cached).toBe(true)
    expect(b.info.id).toBe(a.info.id)
    expect(b.info.path).toBe(moved)
    utimesSync(join(moved, 'train-images-idx3-ubyte'), new Date(), new Date(2001, 1, 1))
    expect((await run(moved)).cached).toBe(false)
  })
})
