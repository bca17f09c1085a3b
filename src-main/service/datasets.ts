/**
 * The datasets part of the service: lists built-ins and imported datasets, runs imports in the
 * importer worker and stores their records (the main process is the only database writer),
 * cancels them, deletes them, and checks a run's `config.dataset` before it is queued. At start
 * it removes the temporaries that killed imports of earlier processes left in the cache folder.
 */
import { existsSync, rmSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import type Database from 'better-sqlite3'
import { ApiError, BUILTIN_DATASETS, type ApiEvent, type DatasetImportOptions, type DatasetInfo, type Results } from '../contract/api'
import { listBuiltins } from '../data/datasets'
import { removeOrphanTemporaries } from '../data/import/cacheFile'
import { cacheFileOf, cacheFolderOf } from '../data/import/importFolder'
import { ImportFailure, runImport, type ImportResult } from '../data/importClient'
import { DatasetStore } from '../store/datasetStore'
import { DataFolderError } from './dataFolderError'

export interface DatasetCatalogOptions {
  dataDir: string
  emit(event: ApiEvent): void
  now(): Date
  /** built importer entry; found next to the bundle by default */
  importerPath?: string
}

interface Job {
  path: string
  result: Promise<ImportResult>
  abort: AbortController
}

export class DatasetCatalog {
  private readonly store: DatasetStore
  private readonly inFlight = new Map<string, Job>()

  constructor(
    db: Database.Database,
    private readonly options: DatasetCatalogOptions,
  ) {
    this.store = new DatasetStore(db)
    removeOrphanTemporaries(cacheFolderOf(options.dataDir))
  }

  list(): DatasetInfo[] {
    return [...listBuiltins(), ...this.store.list()]
  }

  async import(path: string, options: DatasetImportOptions): Promise<Results['datasets.import']> {
    const abs = resolve(path)
    const key = JSON.stringify([abs, options])
    let job = this.inFlight.get(key)
    if (!job) {
      const request = { path: abs, options, dataDir: this.options.dataDir }
      const abort = new AbortController()
      const result = runImport(
        request,
        (phase, done, total) => this.options.emit({ type: 'dataset:progress', path, phase, done, total }),
        this.options.importerPath,
        abort.signal,
      )
      const started: Job = { path: abs, result, abort }
      job = started
      this.inFlight.set(key, started)
      void result.catch(() => {}).finally(() => this.inFlight.delete(key))
    }
    let result: ImportResult
    try {
      result = await job.result
    } catch (err) {
      if (err instanceof ImportFailure) {
        if (err.kind === 'bad-input') throw new ApiError('bad-request', err.message)
        if (err.kind === 'cancelled') throw new ApiError('conflict', err.message)
        if (err.kind === 'disk') throw new DataFolderError(err.message)
        throw new ApiError('internal', err.message)
      }
      throw err
    }
    const previous = this.store.latestForPath(result.info.path ?? abs)
    const info = {
      ...result.info,
      importedAt: result.cached ? (this.store.get(result.info.id)?.info.importedAt ?? result.info.importedAt) : result.info.importedAt,
    }
    this.store.upsert(info, result.contentKey, result.cacheFile, this.options.now().toISOString())
    return { dataset: info, cached: result.cached, previousId: previous && previous.id !== info.id ? previous.id : null }
  }

  /** Cancels every import of `path` in flight (with any options); their callers get 'conflict'. */
  cancel(path: string): Results['datasets.cancel'] {
    const abs = resolve(path)
    let cancelled = false
    for (const job of this.inFlight.values()) {
      if (job.path !== abs) continue
      job.abort.abort()
      cancelled = true
    }
    return { path, cancelled }
  }

  delete(datasetId: string): Results['datasets.delete'] {
    const row = this.store.get(datasetId)
    if (!row) throw new ApiError('not-found', `no imported dataset '${datasetId}'`)
    const deleted = this.store.delete(datasetId)
    // Only ever remove our own cache file, never anything the record might point elsewhere.
    const file = cacheFileOf(this.options.dataDir, datasetId)
    if (resolve(row.cacheFile) === resolve(file) && file.startsWith(resolve(this.options.dataDir) + sep)) rmSync(file, { force: true })
    return { datasetId, deleted }
  }

  /** Throws 'bad-request' naming config.dataset unless the dataset can be trained on. */
  requireTrainable(id: string): void {
    if ((BUILTIN_DATASETS as readonly string[]).includes(id)) return
    const row = this.store.get(id)
    if (!row) throw new ApiError('bad-request', `config.dataset: no imported dataset '${id}' (import its folder first; datasets.list shows what is there)`)
    if (!existsSync(row.cacheFile))
      throw new ApiError('bad-request', `config.dataset: the cache of '${id}' (${row.info.path}) is gone; import the folder again`)
  }
}
