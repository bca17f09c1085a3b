/**
 * Composition root shared by the Electron main process, the browser-mode server and the CLI:
 * one store file, one trainer worker, one service.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { RunStore } from '../store/runStore'
import { TrainerClient, type TrainerOptions } from '../worker/trainerClient'
import { SplineLabService, type ServiceOptions } from './service'

/** The app's data folder: $SPLINE_LAB_HOME, else ~/.spline-lab. */
export function defaultDataDir(): string {
  return process.env.SPLINE_LAB_HOME || join(homedir(), '.spline-lab')
}

export function defaultDbPath(): string {
  return join(defaultDataDir(), 'spline-lab.db')
}

export interface CreateServiceOptions extends ServiceOptions, TrainerOptions {
  dbPath?: string
}

export function createService(options: CreateServiceOptions = {}): { service: SplineLabService; store: RunStore } {
  const store = new RunStore(options.dbPath ?? defaultDbPath())
  const trainer = new TrainerClient({ workerPath: options.workerPath, backend: options.backend })
  const service = new SplineLabService(store, trainer, options)
  const close = service.close.bind(service)
  service.close = async () => {
    await close()
    store.close()
  }
  return { service, store }
}
