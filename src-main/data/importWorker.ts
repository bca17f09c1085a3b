/**
 * Entry of an importer worker thread (built to out/main/importer.js): runs one import off the
 * main thread so the window never freezes, posts throttled progress, then exits. It writes only
 * the cache file; the main process stores the record.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ImportError } from './import/errors'
import { importFolder } from './import/importFolder'
import type { FromImporter, ImportRequest } from './importProtocol'

const port = parentPort
if (!port) throw new Error('importWorker must run as a worker thread')
const post = (m: FromImporter) => port.postMessage(m)
const request = workerData as ImportRequest

const EVERY_MS = 100
let lastAt = 0
let lastPhase = ''

importFolder(request.path, request.options, {
  dataDir: request.dataDir,
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
    const badInput = err instanceof ImportError
    const message = err instanceof Error ? err.message : String(err)
    post({ type: 'failed', error: badInput ? message : `${request.path}: import failed: ${message}`, badInput })
  },
)
