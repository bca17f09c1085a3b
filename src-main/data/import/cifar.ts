/**
 * CIFAR-10 / CIFAR-100 binary versions: fixed-size records of label byte(s) + 32×32×3 pixels
 * stored channel-planar (1024 R, 1024 G, 1024 B). Recognized by record length and label range;
 * a batch file of the wrong length is reported and skipped.
 */
import { closeSync, readSync } from 'node:fs'
import { ImportError, fmt, fsReason } from './errors'
import { type FormatPlan, type ReadContext, type ReadOutcome, genericNames, namesFromFile, openRegular, readHead, splitOfName } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, growInt, splitMask } from './split'
import type { FileEntry } from './walk'

const PIXELS = 32 * 32 * 3
const KINDS = {
  cifar10: { record: 1 + PIXELS, labels: [10], name: 'CIFAR-10' },
  cifar100: { record: 2 + PIXELS, labels: [20, 100], name: 'CIFAR-100' },
} as const
type Kind = keyof typeof KINDS

const CIFAR_NAME = /^(data_batch_\d+|test_batch|train|test)\.bin$/i

/** Which kind a file's length and first labels fit, or null. */
function kindOf(entry: FileEntry): Kind | null {
  for (const kind of ['cifar10', 'cifar100'] as Kind[]) {
    const { record, labels } = KINDS[kind]
    if (entry.size === 0 || entry.size % record !== 0) continue
    const head = readHead(entry, record * Math.min(8, entry.size / record))
    let ok = true
    for (let r = 0; r * record < head.length && ok; r++) labels.forEach((max, k) => (ok &&= head[r * record + k]! < max))
    if (ok) return kind
  }
  return null
}

export function planCifar(top: FileEntry[], all: FileEntry[], problems: { warn(f: string, p: string): void }): FormatPlan | null {
  const named = top.filter((f) => CIFAR_NAME.test(f.rel) || f.rel.toLowerCase().endsWith('.bin'))
  if (!named.length) return null
  const kinds = new Map<FileEntry, Kind>()
  for (const f of named) {
    const k = kindOf(f)
    if (k) kinds.set(f, k)
  }
  const usable = [...kinds.values()]
  const kind: Kind | undefined = usable.filter((k) => k === 'cifar100').length > usable.length / 2 ? 'cifar100' : usable[0]
  const bad = named.filter((f) => CIFAR_NAME.test(f.rel) && (!kind || kinds.get(f) !== kind))
  if (!kind) {
    if (!bad.length) return null
    const f = bad[0]!
    throw new ImportError(
      f.rel,
      `${fmt(f.size)} bytes is not a whole number of CIFAR-10 records (3,073 bytes: 1 label + 32×32×3 pixels) nor of CIFAR-100 records (3,074 bytes)`,
    )
  }
  const { record, name } = KINDS[kind]
  for (const f of bad)
    problems.warn(f.rel, `${fmt(f.size)} bytes is not a whole number of ${fmt(record)}-byte ${name} records (file cut short or not ${name}); skipped`)
  const files = named.filter((f) => kinds.get(f) === kind)
  return { format: kind, files, read: (ctx) => readCifar(ctx, kind, files, all) }
}

async function readCifar(ctx: ReadContext, kind: Kind, files: FileEntry[], all: FileEntry[]): Promise<ReadOutcome> {
  const { record, labels, name } = KINDS[kind]
  const useCoarse = kind === 'cifar100' && ctx.options.cifar100Labels === 'coarse'
  const labelAt = kind === 'cifar10' ? 0 : useCoarse ? 0 : 1
  const numClasses = kind === 'cifar10' ? 10 : useCoarse ? 20 : 100
  const hasSplit = files.some((f) => splitOfName(f.rel) === 'test') && files.some((f) => splitOfName(f.rel) !== 'test')
  const seed = ctx.options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = ctx.options.testFraction ?? DEFAULT_TEST_FRACTION
  const total = files.reduce((s, f) => s + f.size / record, 0)
  if (ctx.options.task === 'regression') throw new ImportError(files[0]!.rel, `${name} labels are classes: task 'regression' does not apply`)
  ctx.budget.claim({ file: files[0]!.rel, what: `${fmt(total)} ${name} images of 32×32×3`, bytes: total * (PIXELS + 4), examples: total })
  const mask = hasSplit ? null : splitMask(total, seed, fraction)
  const yTrain = growInt()
  const yTest = growInt()
  const hwc = new Uint8Array(PIXELS)
  const perRead = 512
  const buf = Buffer.allocUnsafe(record * perRead)
  let done = 0
  ctx.writer.begin('uint8', PIXELS, 3)
  // train files first so the (rare) folder without a test file splits in a stable order
  const ordered = [...files].sort((a, b) => Number(splitOfName(a.rel) === 'test') - Number(splitOfName(b.rel) === 'test'))
  for (const f of ordered) {
    const fd = openRegular(f)
    try {
      const count = f.size / record
      for (let r0 = 0; r0 < count; r0 += perRead) {
        const n = Math.min(perRead, count - r0)
        const got = readSync(fd, buf, 0, n * record, r0 * record)
        if (got < n * record) throw new ImportError(f.rel, `shrank while being read (${fmt(r0 * record + got)} of ${fmt(f.size)} bytes)`)
        for (let k = 0; k < n; k++) {
          const rec = buf.subarray(k * record, (k + 1) * record)
          labels.forEach((max, j) => {
            if (rec[j]! >= max)
              throw new ImportError(f.rel, `record ${fmt(r0 + k + 1)} has label ${rec[j]}, but ${name} labels are below ${max}: not a ${name} file`)
          })
          const px = rec.subarray(record - PIXELS)
          for (let p = 0; p < 1024; p++) {
            hwc[3 * p] = px[p]!
            hwc[3 * p + 1] = px[1024 + p]!
            hwc[3 * p + 2] = px[2048 + p]!
          }
          const split = hasSplit ? (splitOfName(f.rel) === 'test' ? 'test' : 'train') : mask![done + k] ? 'test' : 'train'
          const label = rec[labelAt]!
          ctx.writer.add(split, hwc)
          ;(split === 'train' ? yTrain : yTest).push(label)
          if (split === 'train') ctx.thumbnails.offer(label, hwc, 32, 32, 3)
        }
        done += n
        ctx.progress(done, total)
      }
    } catch (err) {
      // read errors are the file's; the cache's own (disk full) and cancellation pass as they are
      if (err instanceof ImportError || !(err as NodeJS.ErrnoException).code || (err as Error).name === 'DataFolderError') throw err
      throw new ImportError(f.rel, fsReason(err))
    } finally {
      closeSync(fd)
    }
  }
  const namesFile = kind === 'cifar10' ? ['batches.meta.txt'] : useCoarse ? ['coarse_label_names.txt'] : ['fine_label_names.txt']
  return {
    task: 'classification',
    inputShape: [32, 32, 3],
    classNames: namesFromFile(all, namesFile, numClasses) ?? genericNames(numClasses),
    yTrain: yTrain.toArray(),
    yTest: yTest.toArray(),
    split: hasSplit ? null : { seed, testFraction: fraction },
    detail: useCoarse ? `${name}, coarse labels` : name,
  }
}
