/**
 * One import, start to end: check the path, walk it, detect the format, and either reuse the
 * cache of identical content or stream the data into a new cache file in the app's data folder.
 * Nothing is ever written into the dropped folder. Returns the dataset record; the caller (the
 * service, the only database writer) stores it.
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { basename, isAbsolute, join, resolve } from 'node:path'
import type { DatasetClassCount, DatasetImportOptions, DatasetInfo } from '../../contract/api'
import { ImportBudget } from './budget'
import { CacheWriter, readCacheMeta, removeOrphanTemporaries, type CacheMeta } from './cacheFile'
import { detectFormat } from './detect'
import { ImportCancelled, ImportError, Problems, fmt, fsReason } from './errors'
import { Thumbnails } from './images'
import { walkFolder } from './walk'

/** bump when a reader's output changes, so old caches are not reused */
export const PARSER_VERSION = 2

export type ImportPhase = 'scanning' | 'reading' | 'writing' | 'done'

export interface ImportContext {
  dataDir: string
  onProgress?: (phase: ImportPhase, done: number, total: number | null) => void
  /** polled while reading (walk, every progress report): true stops the import and removes its temporaries */
  cancelled?: () => boolean
  /** names this import's temporary files (letters and digits), so a caller that stops it can remove them */
  tempTag?: string
}

export interface ImportOutcome {
  info: DatasetInfo
  cached: boolean
  contentKey: string
  cacheFile: string
}

export const cacheFileOf = (dataDir: string, id: string) => join(dataDir, 'datasets', `${id.replace(/^ds:/, '')}.sldc`)
export const cacheFolderOf = (dataDir: string) => join(dataDir, 'datasets')

/** import options that change what is read (the cache key); the budget only decides whether */
const keyOptions = ({ maxBytes: _budget, ...rest }: DatasetImportOptions) => rest

/** Fatal errors name files by full path (one line must say where); warnings stay relative. */
export async function importFolder(path: string, options: DatasetImportOptions, ctx: ImportContext): Promise<ImportOutcome> {
  const dropped = resolve(path)
  try {
    return await importResolved(dropped, options, ctx)
  } catch (err) {
    if (err instanceof ImportError && !isAbsolute(err.file)) throw new ImportError(join(dropped, err.file), err.problem)
    throw err
  }
}

async function importResolved(dropped: string, options: DatasetImportOptions, ctx: ImportContext): Promise<ImportOutcome> {
  let st
  try {
    st = statSync(dropped)
  } catch (err) {
    throw new ImportError(dropped, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : fsReason(err))
  }
  if (!st.isDirectory()) throw new ImportError(dropped, 'is a file, not a folder: give the folder that holds the dataset')
  const report = ctx.onProgress ?? (() => {})
  const checkCancelled = () => {
    if (ctx.cancelled?.()) throw new ImportCancelled(dropped)
  }
  const progress = (phase: ImportPhase, done: number, total: number | null) => {
    checkCancelled()
    report(phase, done, total)
  }
  const problems = new Problems()
  progress('scanning', 0, null)
  const { root, walk, plan } = detectFormat(dropped, walkFolder(dropped, problems, checkCancelled), problems)
  const top = walk.files.filter((f) => !f.rel.includes('/'))
  const keyed = [...new Map([...plan.files, ...top].map((f) => [f.rel, f])).values()].sort((a, b) => (a.rel < b.rel ? -1 : 1))
  const contentKey = createHash('sha256')
    .update(JSON.stringify({ v: PARSER_VERSION, format: plan.format, options: sortKeys(keyOptions(options)), fashion: /fashion/i.test(root), dirs: walk.dirs }))
    .update(keyed.map((f) => `${f.rel}\0${f.size}\0${Math.round(f.mtimeMs)}`).join('\n'))
    .digest('hex')
  const id = `ds:${contentKey.slice(0, 16)}`
  const cacheFile = cacheFileOf(ctx.dataDir, id)
  const old = readCacheMeta(cacheFile)
  if (old && old.info.id === id) {
    removeOrphanTemporaries(cacheFolderOf(ctx.dataDir))
    progress('done', old.trainCount + old.testCount, old.trainCount + old.testCount)
    return { info: withSize({ ...old.info, name: basename(root), path: root }, cacheFile), cached: true, contentKey, cacheFile }
  }

  const writer = new CacheWriter(cacheFile, ctx.tempTag)
  const thumbnails = new Thumbnails()
  const budget = new ImportBudget(options.maxBytes, cacheFolderOf(ctx.dataDir))
  try {
    const out = await plan.read({ root, options, problems, writer, thumbnails, budget, progress: (d, t) => progress('reading', d, t) })
    progress('writing', writer.counts.train + writer.counts.test, writer.counts.train + writer.counts.test)
    // a reader bug, not the folder's fault: said as such
    if (out.yTrain.length !== writer.counts.train || out.yTest.length !== writer.counts.test)
      throw new Error(`internal: ${fmt(out.yTrain.length + out.yTest.length)} labels for ${fmt(writer.counts.train + writer.counts.test)} rows`)
    for (const [split, n] of [
      ['train', out.yTrain.length],
      ['test', out.yTest.length],
    ] as const) {
      if (n === 0) {
        const total = out.yTrain.length + out.yTest.length
        const why =
          out.split && total < 2
            ? `: ${fmt(total)} usable example${total === 1 ? ' is' : 's are'} too few to split`
            : problems.first
              ? ` (e.g. ${problems.first})`
              : ''
        throw new ImportError(root, `the ${split} split is empty${why}`)
      }
    }
    const numClasses = out.task === 'regression' ? 1 : out.classNames.length
    const classes = out.task === 'regression' ? undefined : countClasses(out.classNames, out.yTrain as Int32Array, out.yTest as Int32Array)
    if (classes && classes.filter((c) => c.train + c.test > 0).length < 2) {
      throw new ImportError(root, `only one class ('${classes.find((c) => c.train + c.test > 0)?.name}') in the data: a classifier needs at least two`)
    }
    for (const c of classes ?? []) if (c.train + c.test === 0) problems.warn(c.name, 'class has no examples')
    const stats = writer.trainStats()
    const shape = out.inputShape.join('×')
    const info: DatasetInfo = {
      id,
      name: basename(root),
      description: `${out.detail}: ${fmt(out.yTrain.length)} train / ${fmt(out.yTest.length)} test, ${shape}, ${out.task === 'regression' ? 'regression' : `${numClasses} classes`}${out.split ? `, split made with seed ${out.split.seed}` : ''}`,
      inputShape: out.inputShape,
      numClasses,
      trainCount: out.yTrain.length,
      testCount: out.yTest.length,
      task: out.task,
      format: plan.format,
      path: root,
      classes,
      stats,
      split: out.split,
      warnings: problems.list(),
      thumbnails: thumbnails.urls,
      importedAt: new Date().toISOString(),
    }
    const meta: CacheMeta = {
      version: 1,
      task: out.task,
      inputShape: out.inputShape,
      dtype: writer.dtype,
      trainCount: out.yTrain.length,
      testCount: out.yTest.length,
      numClasses,
      classNames: out.classNames,
      stats,
      info,
    }
    checkCancelled()
    writer.finish(out.yTrain, out.yTest, meta)
    // a killed earlier import of this folder (or any other) left its temporaries: they go now
    removeOrphanTemporaries(cacheFolderOf(ctx.dataDir))
    report('done', meta.trainCount + meta.testCount, meta.trainCount + meta.testCount)
    return { info: withSize(info, cacheFile), cached: false, contentKey, cacheFile }
  } catch (err) {
    writer.abort()
    throw err
  }
}

function countClasses(names: string[], yTrain: Int32Array, yTest: Int32Array): DatasetClassCount[] {
  const out = names.map((name) => ({ name, train: 0, test: 0 }))
  for (const y of yTrain) if (out[y]) out[y].train++
  for (const y of yTest) if (out[y]) out[y].test++
  return out
}

function withSize(info: DatasetInfo, file: string): DatasetInfo {
  return { ...info, cacheBytes: statSync(file).size }
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  )
}
