/**
 * The catalogue of imported datasets (migration 2). A row points at the cache file that holds
 * the data; the full record (classes, stats, warnings, thumbnails) is kept as JSON. Written only
 * by the main process.
 */
import type Database from 'better-sqlite3'
import type { DatasetInfo } from '../contract/api'

type Row = { info_json: string; cache_file: string; created_at: string }

export class DatasetStore {
  constructor(private readonly db: Database.Database) {}

  upsert(info: DatasetInfo, contentKey: string, cacheFile: string, at: string): void {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, source_path, format, content_key, cache_file, task, input_shape_json, num_classes, train_count, test_count, info_json, created_at)
         VALUES (@id, @name, @path, @format, @key, @file, @task, @shape, @classes, @train, @test, @info, @at)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, source_path = excluded.source_path, cache_file = excluded.cache_file,
           info_json = excluded.info_json, created_at = excluded.created_at`,
      )
      .run({
        id: info.id,
        name: info.name,
        path: info.path ?? '',
        format: info.format ?? 'unknown',
        key: contentKey,
        file: cacheFile,
        task: info.task ?? 'classification',
        shape: JSON.stringify(info.inputShape),
        classes: info.numClasses,
        train: info.trainCount,
        test: info.testCount,
        info: JSON.stringify(info),
        at,
      })
  }

  list(): DatasetInfo[] {
    const rows = this.db.prepare(`SELECT info_json FROM datasets ORDER BY created_at DESC, id`).all() as Row[]
    return rows.map((r) => JSON.parse(r.info_json) as DatasetInfo)
  }

  get(id: string): { info: DatasetInfo; cacheFile: string } | null {
    const row = this.db.prepare(`SELECT info_json, cache_file FROM datasets WHERE id = ?`).get(id) as Row | undefined
    return row ? { info: JSON.parse(row.info_json) as DatasetInfo, cacheFile: row.cache_file } : null
  }

  /** the most recent import of a folder, to tell the user it changed since */
  latestForPath(path: string): DatasetInfo | null {
    const row = this.db.prepare(`SELECT info_json FROM datasets WHERE source_path = ? ORDER BY created_at DESC LIMIT 1`).get(path) as Row | undefined
    return row ? (JSON.parse(row.info_json) as DatasetInfo) : null
  }

  delete(id: string): boolean {
    return this.db.prepare(`DELETE FROM datasets WHERE id = ?`).run(id).changes > 0
  }
}
