/**
 * Main-side handle on the importer: one worker thread per import, resolved with the outcome or
 * rejected with an ImportFailure (its kind says whether the folder, the disk or we are at fault,
 * or that it was cancelled). An AbortSignal cancels: the worker is asked to stop (it removes its
 * temporaries); one that does not answer in time is terminated and its temporaries removed here.
 */
import { Worker } from 'node:worker_threads'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DatasetInfo } from '../contract/api'
import { removeOwnTemporaries } from './import/cacheFile'
import { cacheFolderOf, type ImportPhase } from './import/importFolder'
import type { FromImporter, ImportFailureKind, ImportRequest } from './importProtocol'

export class ImportFailure extends Error {
  constructor(
    message: string,
    readonly kind: ImportFailureKind,
  ) {
    super(message)
    this.name = 'ImportFailure'
  }

  get badInput(): boolean {
    return this.kind === 'bad-input'
  }
}

export interface ImportResult {
  info: DatasetInfo
  cached: boolean
  contentKey: string
  cacheFile: string
}

/** how long a cancelled worker may take to stop by itself before it is terminated */
const STOP_GRACE_MS = 3000

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
  signal?: AbortSignal,
): Promise<ImportResult> {
  return new Promise((resolveImport, reject) => {
    const cancelFlag = new SharedArrayBuffer(4)
    const tempTag =
      Math.random()
        .toString(36)
        .slice(2, 10)
        .replace(/[^0-9a-z]/g, '') || 'import'
    const cancelled = () => new ImportFailure(`${request.path}: the import was cancelled`, 'cancelled')
    if (signal?.aborted) {
      reject(cancelled())
      return
    }
    const worker = new Worker(workerPath, { workerData: { ...request, cancelFlag, tempTag } satisfies ImportRequest })
    let settled = false
    let stopTimer: NodeJS.Timeout | null = null
    const onAbort = () => {
      Atomics.store(new Int32Array(cancelFlag), 0, 1)
      stopTimer = setTimeout(() => {
        void worker.terminate().then(() => {
          removeOwnTemporaries(cacheFolderOf(request.dataDir), tempTag)
          settle(() => reject(cancelled()))
        })
      }, STOP_GRACE_MS)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      if (stopTimer) clearTimeout(stopTimer)
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    worker.on('message', (m: FromImporter) => {
      if (m.type === 'progress') onProgress(m.phase, m.done, m.total)
      else if (m.type === 'done') settle(() => resolveImport({ info: m.info, cached: m.cached, contentKey: m.contentKey, cacheFile: m.cacheFile }))
      else if (m.type === 'failed') settle(() => reject(new ImportFailure(m.error, m.kind ?? (m.badInput ? 'bad-input' : 'internal'))))
    })
    const died = (why: string) => {
      // a worker that died mid-write cannot clean up after itself
      removeOwnTemporaries(cacheFolderOf(request.dataDir), tempTag)
      settle(() => reject(new ImportFailure(`${request.path}: ${why}`, 'internal')))
    }
    worker.on('error', (err) => died(`importer crashed: ${err.message}`))
    worker.on('exit', (code) => died(`importer stopped (exit code ${code}) before finishing`))
  })
}
