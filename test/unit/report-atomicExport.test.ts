/**
 * Exports appear whole or not at all, and a disk that refuses them is named in one line: the
 * files are written under temporary names, fsynced and renamed; a new folder of several files
 * is renamed into place in one step; a model's JSON is renamed after its weights. The disk is
 * simulated here (ENOSPC after 64 KiB, EACCES, EROFS on the temporaries).
 */
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'

const disk = { fail: null as string | null, afterBytes: 65_536 }
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const written = new Map<number, number>()
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest)
    if (typeof path === 'string' && /\.tmp($|\/)/.test(path)) written.set(fd, 0)
    return fd
  }) as typeof fs.openSync
  const writeSync = ((fd: number, buf: Uint8Array, offset?: number, length?: number, ...rest: unknown[]) => {
    const off = offset ?? 0
    let len = length ?? buf.byteLength - off
    const done = written.get(fd)
    if (disk.fail && done !== undefined) {
      if (disk.fail !== 'ENOSPC' || done >= disk.afterBytes) throw Object.assign(new Error(`${disk.fail}: simulated`), { code: disk.fail })
      len = Math.min(len, disk.afterBytes - done)
    }
    const n = (fs.writeSync as (...a: unknown[]) => number)(fd, buf, off, len, ...rest)
    if (done !== undefined) written.set(fd, done + n)
    return n
  }) as unknown as typeof fs.writeSync
  const mkdirSync = ((path: string, ...rest: unknown[]) => {
    if (disk.fail === 'EROFS') throw Object.assign(new Error('EROFS: simulated'), { code: 'EROFS' })
    return (fs.mkdirSync as (...a: unknown[]) => unknown)(path, ...rest)
  }) as typeof fs.mkdirSync
  return { ...fs, default: { ...fs, openSync, writeSync, mkdirSync }, openSync, writeSync, mkdirSync }
})

const { createHash } = await import('node:crypto')
const { hostname } = await import('node:os')
const { join } = await import('node:path')
const { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = await import('node:fs')
const { ApiError } = await import('../../src-main/contract/api')
const { writeFileAtomic, writeFilesAtomic } = await import('../../src-main/report/atomicFiles')
const { exportRuns } = await import('../../src-main/report/exporter')
const { tempDir } = await import('../helpers/tmp')

const tmp = tempDir('spline-lab-atomic-')
afterAll(() => tmp.cleanup())
beforeEach(() => {
  disk.fail = null
})
let n = 0
const fresh = () => join(tmp.dir, `out${n++}`)
const everything = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : [])

const big = Buffer.alloc(300_000, 7)
const json = Buffer.from('{"weightsManifest":[]}')

describe('whole or not at all', () => {
  it('a new folder of several files appears in one step, the model JSON with its weights', () => {
    const dir = fresh()
    const paths = writeFilesAtomic(dir, [
      { name: 'm-model.json', data: json },
      { name: 'm-weights.bin', data: big },
    ])
    expect(paths).toEqual([join(dir, 'm-model.json'), join(dir, 'm-weights.bin')])
    expect(everything(dir)).toEqual(['m-model.json', 'm-weights.bin'])
    expect(readFileSync(join(dir, 'm-weights.bin')).equals(big)).toBe(true)
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('into an existing folder: staged, renamed, nothing else left; files already there stay', () => {
    const dir = fresh()
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    writeFilesAtomic(dir, [{ name: 'a.csv', data: Buffer.from('x\n') }], () => false)
    expect(everything(dir)).toEqual(['a.csv', 'notes.txt'])
  })

  it('stale temporaries of a killed export (a process that is gone) are removed by the next one', () => {
    const dir = fresh()
    mkdirSync(dir)
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
    writeFileSync(join(dir, `.r.html.${host}-${2 ** 22 + 7}-abc.tmp`), 'half')
    mkdirSync(join(dir, `.spline-lab-export.${host}-${2 ** 22 + 7}-abc.tmp`))
    writeFileSync(join(dir, `.other.${'0'.repeat(8)}-${2 ** 22 + 7}-abc.tmp`), 'another host')
    writeFileAtomic(join(dir, 'r.html'), Buffer.from('<!doctype html>'))
    expect(everything(dir)).toEqual([`.other.${'0'.repeat(8)}-${2 ** 22 + 7}-abc.tmp`, 'r.html'])
  })
})

describe('a disk that refuses the export', () => {
  it.each([
    ['ENOSPC', /: cannot write the export: the disk is full \(ENOSPC\); nothing of this export was kept$/],
    ['EACCES', /: cannot write the export: permission denied \(EACCES\); nothing of this export was kept$/],
    ['EROFS', /: cannot write the export: the file system is read-only \(EROFS\); nothing of this export was kept$/],
  ])('%s: one line naming the path; no 64 KiB .html, no 0-byte .json or .csv left', (code, message) => {
    disk.fail = code
    const file = join(fresh(), 'report.html')
    let err: unknown = null
    try {
      writeFileAtomic(file, big)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ApiError)
    expect((err as Error).message.startsWith(`${file}: `) || (err as Error).message.startsWith(`${join(file, '..')}`)).toBe(true)
    expect((err as Error).message).toMatch(message)
    expect(existsSync(file)).toBe(false)
    const dir = fresh()
    expect(() =>
      writeFilesAtomic(dir, [
        { name: 'x-runs.csv', data: big },
        { name: 'x-metrics.csv', data: Buffer.alloc(0) },
      ]),
    ).toThrow(message)
    expect(everything(dir)).toEqual([])
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('runs.export with outDir: the same, through the exporter', async () => {
    const ctx = {
      listRuns: () => [{ id: 'r1', name: 'a run' }] as never,
      getRun: () => ({ summary: { id: 'r1', name: 'a run' }, metrics: [] }) as never,
      app: 'test',
    }
    const outDir = fresh()
    disk.fail = 'ENOSPC'
    disk.afterBytes = 10
    await expect(exportRuns(ctx, { ids: ['r1'], format: 'json', outDir })).rejects.toThrow(/: cannot write the export: the disk is full \(ENOSPC\)/)
    expect(everything(outDir)).toEqual([])
    disk.fail = null
    const ok = await exportRuns(ctx, { ids: ['r1'], format: 'json', outDir })
    expect(ok.writtenTo).toEqual([join(outDir, 'spline-lab-a-run.json')])
    expect(JSON.parse(readFileSync(ok.writtenTo[0]!, 'utf8')).runs[0].summary.id).toBe('r1')
  })
})
