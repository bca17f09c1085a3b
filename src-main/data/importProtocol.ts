/** Messages of the importer worker thread (one worker per import; the request is its workerData). */
import type { DatasetImportOptions, DatasetInfo } from '../contract/api'
import type { ImportPhase } from './import/importFolder'

export interface ImportRequest {
  path: string
  options: DatasetImportOptions
  dataDir: string
  /** one Int32: set to 1 by the main thread to cancel (the worker polls it; its loops are synchronous) */
  cancelFlag?: SharedArrayBuffer
  /** names the import's temporaries, so the main thread can remove them if it has to stop the worker */
  tempTag?: string
}

/**
 * Why an import failed: 'bad-input' the folder is at fault (exit 2 / 'bad-request'), 'cancelled'
 * asked for, 'disk' the data folder cannot take the cache (full, read-only), 'internal' our bug.
 */
export type ImportFailureKind = 'bad-input' | 'cancelled' | 'disk' | 'internal'

export type FromImporter =
  | { type: 'progress'; phase: ImportPhase; done: number; total: number | null }
  | { type: 'done'; info: DatasetInfo; cached: boolean; contentKey: string; cacheFile: string }
  /** badInput: kind === 'bad-input' (kept for older readers of the protocol) */
  | { type: 'failed'; error: string; badInput: boolean; kind: ImportFailureKind }
