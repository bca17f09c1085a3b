/**
 * Main-side handle on the importer: one worker thread per import, resolved with the outcome or
 * rejected with an ImportFailure (badInput says whether the folder or we are at fault).
 */
import { Worker } from 'node:worker_threads'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DatasetInfo } from '../contract/api'
import type { ImportPhase } from './import/importFolder'
import type { FromImporter, ImportRequest } from './importProtocol'

export class ImportFailure extends Error {
  constructor(
    message: string,
    readonly badInput: boolean,
  ) {
    super(message)
    this.name = 'ImportFailure'
  }
}

export interface ImportResult {
  info: DatasetInfo
  cached: boolean
  contentKey: string
  cacheFile: string
}

export function defaultImporterPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'importer.js'), join(here, '../importer.js'), resolve(here, '../../out/main/importer.js')]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`importer worker bundle not found (looked in ${candidates.join(', ')}); run 'npm run build'`)
  return found
}

export function runImport(
  request: ImportRequest,
  onProgress: (phase: ImportPhase, done: number, total: number | null) => void,
  workerPath = defaultImporterPath(),
): Promise<ImportResult> {
  return new Promise((resolveImport, reject) => {
    const worker = new Worker(workerPath, { workerData: request })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      fn()
    }
    worker.on('message', (m: FromImporter) => {
      if (m.type === 'progress') onProgress(m.phase, m.done, m.total)
      else if (m.type === 'done') settle(() => resolveImport({ info: m.info, cached: m.cached, contentKey: m.contentKey, cacheFile: m.cacheFile }))
      else if (m.type === 'failed') settle(() => reject(new ImportFailure(m.error, m.badInput)))
    })
    worker.on('error', (err) => settle(() => reject(new ImportFailure(`${request.path}: importer crashed: ${err.message}`, false))))
    worker.on('exit', (code) => settle(() => reject(new ImportFailure(`${request.path}: importer stopped (exit code ${code}) before finishing`, false))))
  })
}
