/**
 * An unreadable file, simulated: CI runs as root, where chmod 000 does not stop reading, so
 * opening any file named `locked*` fails with EACCES here, as it would for a normal user.
 */
import { afterAll, describe, expect, it, vi } from 'vitest'

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const denied = (path: unknown) => typeof path === 'string' && /[/\\]locked[^/\\]*$/.test(path)
  const eacces = (path: string) => Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' })
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (denied(path)) throw eacces(path)
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest)
  }) as typeof fs.openSync
  const readFileSync = ((path: string, ...rest: unknown[]) => {
    if (denied(path)) throw eacces(path)
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest)
  }) as typeof fs.readFileSync
  const readdirSync = ((path: string, ...rest: unknown[]) => {
    if (typeof path === 'string' && /[/\\]locked-dir$/.test(path)) throw eacces(path)
    return (fs.readdirSync as (...a: unknown[]) => unknown)(path, ...rest)
  }) as typeof fs.readdirSync
  return { ...fs, default: { ...fs, openSync, readFileSync, readdirSync }, openSync, readFileSync, readdirSync }
})

const { join } = await import('node:path')
const { mkdirSync } = await import('node:fs')
const { importFolder } = await import('../../src-main/data/import/importFolder')
const { tempDir } = await import('../helpers/tmp')
const { idxFolder, imageFolder, pngBytes, write } = await import('../helpers/dataFixtures')

const tmp = tempDir('spline-lab-unreadable-')
afterAll(() => tmp.cleanup())
const dataDir = join(tmp.dir, 'app')

describe('unreadable files', () => {
  it('an unreadable image is reported (permission denied) and skipped', async () => {
    const root = join(tmp.dir, 'images')
    imageFolder(root)
    write(root, 'cat/locked.png', pngBytes(8, 8, 1))
    const out = await importFolder(root, {}, { dataDir })
    expect(out.info.trainCount + out.info.testCount).toBe(18)
    expect(out.info.warnings!.join('\n')).toMatch(/cat\/locked\.png: cannot be read \(permission denied\); skipped/)
  })

  it('an unreadable IDX file stops the import naming it', async () => {
    const root = join(tmp.dir, 'idx')
    idxFolder(root)
    const { renameSync } = await import('node:fs')
    renameSync(join(root, 'train-labels-idx1-ubyte'), join(root, 'locked-train-labels-idx1-ubyte'))
    await expect(importFolder(root, {}, { dataDir })).rejects.toThrow(/locked-train-labels-idx1-ubyte: cannot be read \(permission denied\)$/)
  })

  it('an unreadable folder is said to be unreadable, not empty', async () => {
    const root = join(tmp.dir, 'locked-dir')
    mkdirSync(root)
    await expect(importFolder(root, {}, { dataDir })).rejects.toThrow(/locked-dir: the folder cannot be read \(permission denied\)$/)
    // the one folder a dropped folder wraps (as archives unpack) cannot be listed
    const wrapper = join(tmp.dir, 'wrapper')
    mkdirSync(join(wrapper, 'locked-dir'), { recursive: true })
    const err = await importFolder(wrapper, {}, { dataDir }).catch((e: Error) => e)
    expect((err as Error).message).toMatch(/wrapper: not a dataset: no file could be listed \(locked-dir: cannot be read \(permission denied\)\)$/)
    expect((err as Error).message).not.toMatch(/holds no files/)
  })
})
