/**
 * Composition root shared by the Electron main process, the browser-mode server and the CLI:
 * one store file, one trainer worker, one service.
 */
import { dirname, join } from 'node:path'
import { RunStore } from '../store/runStore'
import { TrainerClient, type TrainerOptions } from '../worker/trainerClient'
import { defaultDataDir } from './dataDir'
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
  const store = new RunStore(dbPath)
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
