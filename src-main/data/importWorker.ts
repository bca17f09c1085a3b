/**
 * Entry of an importer worker thread (built to out/main/importer.js): runs one import off the
 * main thread so the window never freezes, posts throttled progress, then exits. It writes only
 * the cache file; the main process stores the record. Cancelling sets a shared flag the import
 * polls, so even its synchronous loops stop (and remove their temporaries) within one chunk.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { DataFolderWriteError, ImportCancelled, ImportError } from './import/errors'
import { importFolder } from './import/importFolder'
import type { FromImporter, ImportFailureKind, ImportRequest } from './importProtocol'

const port = parentPort
if (!port) throw new Error('importWorker must run as a worker thread')
const post = (m: FromImporter) => port.postMessage(m)
const request = workerData as ImportRequest
const flag = request.cancelFlag ? new Int32Array(request.cancelFlag) : null

const EVERY_MS = 100
let lastAt = 0
let lastPhase = ''

importFolder(request.path, request.options, {
  dataDir: request.dataDir,
  tempTag: request.tempTag,
  cancelled: () => flag !== null && Atomics.load(flag, 0) === 1,
  onProgress(phase, done, total) {
    const now = Date.now()
    if (phase === lastPhase && phase !== 'done' && now - lastAt < EVERY_MS) return
    lastAt = now
    lastPhase = phase
    post({ type: 'progress', phase, done, total })
  },
}).then(
  (outcome) => post({ type: 'done', ...outcome }),
  (err: unknown) => {
    const kind: ImportFailureKind =
      err instanceof ImportError ? 'bad-input' : err instanceof ImportCancelled ? 'cancelled' : err instanceof DataFolderWriteError ? 'disk' : 'internal'
    const message = err instanceof Error ? err.message : String(err)
    post({ type: 'failed', error: kind === 'internal' ? `${request.path}: import failed: ${message}` : message, badInput: kind === 'bad-input', kind })
  },
)
