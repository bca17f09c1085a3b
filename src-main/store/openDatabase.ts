/**
 * Opens the SQLite file for the run store: read-write with WAL when it can, else read-only so a
 * database on a read-only disk, in a folder the user may not write, or owned by someone else can
 * still be listed. A WAL database can be read in place only while its -shm file exists (another
 * process has it open); otherwise it is read from a private snapshot copy in the temp folder.
 */
import Database from 'better-sqlite3'
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

export interface OpenedDatabase {
  db: Database.Database
  /** why the database is read-only (it was opened for reading only), or null when it is writable */
  readOnly: string | null
  /** removes what opening made (the snapshot copy); call after closing db */
  cleanup(): void
}

const READ_ONLY = /SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_PERM|SQLITE_AUTH|EACCES|EPERM|EROFS/

export function isReadOnlyError(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return READ_ONLY.test(`${e?.code ?? ''} ${e?.message ?? ''}`) || /readonly database|read-only file system|permission denied/i.test(e?.message ?? '')
}

/** Opens `file` writable and runs `prepare` (pragmas, migrations) on it; falls back to read-only. */
export function openDatabase(file: string, prepare: (db: Database.Database) => void, verify: (db: Database.Database) => void): OpenedDatabase {
  if (file === ':memory:') {
    const db = new Database(file)
    prepare(db)
    return { db, readOnly: null, cleanup: () => {} }
  }
  // SQLite opens a file it may not write read-only without a word: ask the file system first
  const denied = existsSync(file) ? notWritable(file) : null
  if (denied) return openReadOnly(file, denied, verify)
  let writable: Database.Database | null = null
  try {
    mkdirSync(dirname(file), { recursive: true })
    writable = new Database(file)
    prepare(writable)
    return { db: writable, readOnly: null, cleanup: () => {} }
  } catch (err) {
    writable?.close()
    if (!isReadOnlyError(err) || !existsSync(file)) throw err
    const why = reasonOf(err, file)
    return openReadOnly(file, why, verify)
  }
}

function openReadOnly(file: string, why: string, verify: (db: Database.Database) => void): OpenedDatabase {
  let inPlace: Database.Database | null = null
  try {
    inPlace = new Database(file, { readonly: true, fileMustExist: true })
    verify(inPlace)
    return { db: inPlace, readOnly: why, cleanup: () => {} }
  } catch (err) {
    inPlace?.close()
    if (!isReadOnlyError(err)) throw err
  }
  // No -shm to share and none can be made: read a copy (with its WAL, so nothing committed is missed).
  const dir = mkdtempSync(join(tmpdir(), 'spline-lab-readonly-'))
  const copy = join(dir, basename(file))
  try {
    copyFileSync(file, copy)
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
    const db = new Database(copy)
    db.pragma('query_only = ON')
    verify(db)
    return { db, readOnly: `${why}; reading a snapshot of it taken at start`, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/** Why this process cannot write the database (the file, or the folder its -wal and -shm go to), or null. */
function notWritable(file: string): string | null {
  const check = (path: string) => {
    try {
      accessSync(path, constants.W_OK)
      return null
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'EACCES'
    }
  }
  const own = check(file)
  if (own) return own === 'EROFS' ? `${file} is on a read-only file system` : `${file} is not writable (${own})`
  const sidecars = [`${file}-wal`, `${file}-shm`]
  if (sidecars.every(existsSync)) {
    const side = sidecars.map(check).find(Boolean)
    return side ? `${file}-wal / -shm are not writable (${side})` : null
  }
  const folder = check(dirname(file))
  return folder ? `the folder ${dirname(file)} is not writable (${folder})` : null
}

function reasonOf(err: unknown, file: string): string {
  const e = err as { code?: string; message?: string }
  const text = `${e.code ?? ''} ${e.message ?? ''}`
  if (/EROFS|read-only file system/i.test(text)) return `${file} is on a read-only file system`
  if (/READONLY_DIRECTORY|CANTOPEN/.test(text)) return `the folder ${dirname(file)} is not writable (${e.code ?? 'read-only'})`
  return `${file} is not writable (${e.code ?? 'read-only'})`
}
