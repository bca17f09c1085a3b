/**
 * The datasets part of the service: lists built-ins and imported datasets, runs imports in the
 * importer worker and stores their records (the main process is the only database writer),
 * deletes them, and checks a run's `config.dataset` before it is queued.
 */
import { existsSync, rmSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import type Database from 'better-sqlite3'
import { ApiError, BUILTIN_DATASETS, type ApiEvent, type DatasetImportOptions, type DatasetInfo, type Results } from '../contract/api'
import { listBuiltins } from '../data/datasets'
import { cacheFileOf } from '../data/import/importFolder'
import { ImportFailure, runImport, type ImportResult } from '../data/importClient'
import { DatasetStore } from '../store/datasetStore'

export interface DatasetCatalogOptions {
  dataDir: string
  emit(event: ApiEvent): void
  now(): Date
  /** built importer entry; found next to the bundle by default */
  importerPath?: string
}

export class DatasetCatalog {
  private readonly store: DatasetStore
  private readonly inFlight = new Map<string, Promise<ImportResult>>()

  constructor(
    db: Database.Database,
    private readonly options: DatasetCatalogOptions,
  ) {
    this.store = new DatasetStore(db)
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
      job = runImport(request, (phase, done, total) => this.options.emit({ type: 'dataset:progress', path, phase, done, total }), this.options.importerPath)
      this.inFlight.set(key, job)
      void job.catch(() => {}).finally(() => this.inFlight.delete(key))
    }
    let result: ImportResult
    try {
      result = await job
    } catch (err) {
      if (err instanceof ImportFailure) throw new ApiError(err.badInput ? 'bad-request' : 'internal', err.message)
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
