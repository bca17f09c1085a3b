/**
 * The data folder is full or read-only while an import writes its cache: the import stops with
 * one line naming the cache path and the reason (not "internal error: ENOSPC…"), and leaves no
 * temporary behind. The disk is simulated: writes to a cache temporary fail with the chosen code.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'

const failing = { code: null as string | null }
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const temps = new Set<number>()
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (failing.code === 'EROFS' && typeof path === 'string' && path.endsWith('.tmp'))
      throw Object.assign(new Error(`EROFS: read-only file system, open '${path}'`), { code: 'EROFS' })
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest)
    if (typeof path === 'string' && path.endsWith('.tmp')) temps.add(fd)
    return fd
  }) as typeof fs.openSync
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (failing.code && temps.has(fd)) throw Object.assign(new Error(`${failing.code}: no space left on device, write`), { code: failing.code })
    return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest)
  }) as typeof fs.writeSync
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync }
})

const { join } = await import('node:path')
const { readdirSync } = await import('node:fs')
const { importFolder } = await import('../../src-main/data/import/importFolder')
const { DataFolderWriteError } = await import('../../src-main/data/import/errors')
const { tempDir } = await import('../helpers/tmp')
const { idxFolder } = await import('../helpers/dataFixtures')

const tmp = tempDir('spline-lab-full-')
afterAll(() => tmp.cleanup())
const dataDir = join(tmp.dir, 'app')

describe('a full or read-only data folder', () => {
  it.each([
    ['ENOSPC', 'the disk is full \\(ENOSPC\\); free some space or choose another data folder'],
    ['EDQUOT', 'the disk quota is used up \\(EDQUOT\\); free some space or choose another data folder'],
    ['EROFS', 'the file system is read-only \\(EROFS\\); choose another data folder'],
  ])('%s: one line naming the cache file, nothing left behind', async (code, words) => {
    const root = join(tmp.dir, `src-${code}`)
    idxFolder(root, { train: 2000, test: 100 })
    failing.code = code
    const err = await importFolder(root, {}, { dataDir }).catch((e: unknown) => e)
    failing.code = null
    expect(err).toBeInstanceOf(DataFolderWriteError)
    const message = (err as Error).message
    expect(message).toMatch(
      new RegExp(
        `^${join(dataDir, 'datasets').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f]{16}\\.sldc: cannot write the dataset cache: ${words} \\(SPLINE_LAB_HOME`,
      ),
    )
    expect(message.split('\n')).toHaveLength(1)
    expect(message).not.toMatch(/internal error/)
    expect(readdirSync(join(dataDir, 'datasets')).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
