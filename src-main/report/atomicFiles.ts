/**
 * Export files that appear whole or not at all. Each file is written under a temporary name,
 * fsynced and renamed into place (and the folder fsynced); several files that go to a folder
 * that does not exist yet are staged in a temporary sibling folder that is renamed into place in
 * one step. Into an existing folder, the files are staged beside it and renamed one by one, the
 * one that names the others (a model's JSON) last, so a model.json never appears without its
 * weights. A killed export leaves only temporaries, which the next export into that folder
 * removes (those of processes that are gone). A write that fails (full disk, read-only folder,
 * permissions) removes what it wrote and says which path and why, in one line.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { ApiError } from '../contract/api'

/** a model's JSON names its weights file: it is renamed into place last, so it never appears alone */
export const namesOthers = (name: string) => name.endsWith('-model.json')

export interface OutFile {
  name: string
  data: Uint8Array
}

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
/** .<name>.<host>-<pid>-<random>.tmp (a file or a staging folder) */
const TEMP = /^\..+\.([0-9a-f]{8})-(\d+)-[0-9a-z]+\.tmp$/

const tempName = (name: string) => `.${name}.${HOST_TAG}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`

const WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a file is in the way of the folder',
  EISDIR: 'a folder is in the way of the file',
  EEXIST: 'something is in the way',
  ENOENT: 'the folder vanished',
  EIO: 'I/O error',
  EFBIG: 'the file is too large for this file system',
  ENAMETOOLONG: 'the name is too long',
}

/** A failed export write in one line: the path, why, and that nothing of this export was kept. */
export function exportWriteError(path: string, err: unknown): ApiError {
  const code = (err as NodeJS.ErrnoException)?.code
  const why = code ? `${WORDS[code] ?? 'write failed'} (${code})` : err instanceof Error ? err.message : String(err)
  return new ApiError('bad-request', `${path}: cannot write the export: ${why}; nothing of this export was kept`)
}

function writeDurably(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w', 0o644)
  try {
    for (let off = 0; off < data.byteLength;) off += writeSync(fd, data, off, data.byteLength - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function syncFolder(dir: string): void {
  if (process.platform === 'win32') return
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // the renames are done; a folder that cannot be synced costs durability only
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes the temporaries that killed exports of this host left in `dir`. Never throws. */
export function removeStaleExportTemporaries(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = TEMP.exec(name)
    if (!m || m[1] !== HOST_TAG || alive(Number(m[2]))) continue
    try {
      rmSync(join(dir, name), { recursive: true, force: true })
    } catch {
      // left for the next export
    }
  }
}

/** Writes one file to exactly `path`, whole or not at all. */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const dir = dirname(path)
  let tmp: string | null = null
  try {
    mkdirSync(dir, { recursive: true })
    removeStaleExportTemporaries(dir)
    tmp = join(dir, tempName(basename(path)))
    writeDurably(tmp, data)
    renameSync(tmp, path)
    tmp = null
    syncFolder(dir)
  } catch (err) {
    if (tmp) rmSync(tmp, { force: true })
    throw exportWriteError(path, err)
  }
}

/**
 * Writes files into the folder `dir` by their names; returns their paths. `last`: the file that
 * names the others, renamed into place after them.
 */
export function writeFilesAtomic(dir: string, files: OutFile[], last?: (name: string) => boolean): string[] {
  const ordered = last ? [...files.filter((f) => !last(f.name)), ...files.filter((f) => last(f.name))] : files
  const paths = files.map((f) => join(dir, f.name))
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw exportWriteError(dir, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }))
    stageAndRename(dir, ordered, join(dir, tempName('spline-lab-export')))
    return paths
  }
  // a new folder: staged whole beside it and renamed in one step
  const parent = dirname(dir)
  let stage: string | null = null
  try {
    mkdirSync(parent, { recursive: true })
    removeStaleExportTemporaries(parent)
    stage = join(parent, tempName(basename(dir)))
    mkdirSync(stage)
    for (const f of ordered) writeDurably(join(stage, f.name), f.data)
    syncFolder(stage)
    renameSync(stage, dir)
    stage = null
    syncFolder(parent)
    return paths
  } catch (err) {
    if (stage) rmSync(stage, { recursive: true, force: true })
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      // someone made the folder meanwhile: into it, file by file
      return writeFilesAtomic(dir, files, last)
    }
    throw exportWriteError(dir, err)
  }
}

function stageAndRename(dir: string, files: OutFile[], stage: string): void {
  let current = dir
  try {
    removeStaleExportTemporaries(dir)
    mkdirSync(stage)
    for (const f of files) {
      current = join(dir, f.name)
      writeDurably(join(stage, f.name), f.data)
    }
    syncFolder(stage)
    for (const f of files) {
      current = join(dir, f.name)
      renameSync(join(stage, f.name), join(dir, f.name))
    }
    syncFolder(dir)
  } catch (err) {
    throw exportWriteError(current, err)
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}
