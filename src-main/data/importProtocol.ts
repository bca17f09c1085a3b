/** Messages of the importer worker thread (one worker per import; the request is its workerData). */
import type { DatasetImportOptions, DatasetInfo } from '../contract/api'
import type { ImportPhase } from './import/importFolder'

export interface ImportRequest {
  path: string
  options: DatasetImportOptions
  dataDir: string
}

export type FromImporter =
  | { type: 'progress'; phase: ImportPhase; done: number; total: number | null }
  | { type: 'done'; info: DatasetInfo; cached: boolean; contentKey: string; cacheFile: string }
  /** badInput: the folder is at fault (exit 2 / 'bad-request'); otherwise our bug or the disk */
  | { type: 'failed'; error: string; badInput: boolean }
