/**
 * Composition root shared by the Electron main process, the browser-mode server and the CLI:
 * one store file, one trainer worker, one service.
 */
import { dirname, join } from 'node:path'
import { RunStore } from '../store/runStore'
import { TrainerClient, type TrainerOptions } from '../worker/trainerClient'
import { defaultDataDir } from './dataDir'
import { DataFolderError } from './dataFolderError'
import { SplineLabService, type ServiceOptions } from './service'

export { defaultDataDir } from './dataDir'

export function defaultDbPath(): string {
  return join(defaultDataDir(), 'spline-lab.db')
}

export interface CreateServiceOptions extends ServiceOptions, TrainerOptions {
  dbPath?: string
}

export function createService(options: CreateServiceOptions = {}): { service: SplineLabService; store: RunStore } {
  const dbPath = options.dbPath ?? defaultDbPath()
  const store = openStore(dbPath)
  const trainer = new TrainerClient({ workerPath: options.workerPath, backend: options.backend })
  // Caches and checkpoints live beside the database unless told otherwise.
  const service = new SplineLabService(store, trainer, { dataDir: dirname(dbPath), ...options })
  const close = service.close.bind(service)
  service.close = async () => {
    await close()
    store.close()
  }
  return { service, store }
}

export { DataFolderError } from './dataFolderError'

function openStore(dbPath: string): RunStore {
  try {
    return new RunStore(dbPath)
  } catch (err) {
    const e = err as { code?: string; message?: string }
    const why = /EACCES|EPERM|EROFS|READONLY|CANTOPEN/.test(`${e.code} ${e.message}`)
      ? `the folder ${dirname(dbPath)} is not writable (${e.code ?? e.message})`
      : /ENOSPC|SQLITE_FULL/.test(`${e.code} ${e.message}`)
        ? `the disk is full (${e.code})`
        : (e.message ?? String(err))
    throw new DataFolderError(`cannot open the database ${dbPath}: ${why}; choose another folder with --db or SPLINE_LAB_HOME`)
  }
}
