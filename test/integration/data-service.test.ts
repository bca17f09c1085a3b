/**
 * Datasets through the real service: the importer worker thread, progress events, the record in
 * SQLite, re-import from the cache, change detection, delete, a run on an imported folder, and
 * the CLI (`import`, `run --dataset <folder>`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { ApiEvent } from '../../src-main/contract/api'
import { realService, waitForStatus } from '../helpers/service'
import { CLI, tempDir } from '../helpers/tmp'
import { imageFolder, pngBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-dsvc-')
let ctx: ReturnType<typeof realService>
beforeAll(() => {
  ctx = realService(tmp.dir)
})
afterAll(async () => {
  await ctx.service.close()
  tmp.cleanup()
})

/** two Gaussian blobs in 2-D as a CSV, so an MLP with the probe grid can train on it */
function blobsCsv(root: string, n = 300): void {
  const rows = ['u,v,label']
  for (let i = 0; i < n; i++) {
    const c = i % 2
    rows.push(`${(c ? 2 : -2) + Math.sin(i * 12.9898) * 0.8},${Math.cos(i * 78.233) * 0.8},${c ? 'right' : 'left'}`)
  }
  write(root, 'blobs.csv', rows.join('\n') + '\n')
}

describe('datasets in the service', () => {
  it('imports an image folder off the main thread with progress, stores and lists it, reuses the cache', async () => {
    const root = join(tmp.dir, 'pets')
    imageFolder(root, { perClass: 300, size: 10, channels: 3 })
    const before = snapshot(root)
    const first = await ctx.service.call('datasets.import', { path: root })
    expect(first.cached).toBe(false)
    expect(first.dataset).toMatchObject({ format: 'image-folder', numClasses: 3, inputShape: [10, 10, 3], trainCount: 720, testCount: 180 })
    const progress = ctx.events.filter((e): e is Extract<ApiEvent, { type: 'dataset:progress' }> => e.type === 'dataset:progress' && e.path === root)
    expect(progress.some((e) => e.phase === 'reading' && e.total === 900)).toBe(true)
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 900 })
    expect(snapshot(root)).toBe(before)
    const listed = await ctx.service.call('datasets.list', {})
    expect(listed.map((d) => d.id)).toEqual(expect.arrayContaining(['builtin:xshape', 'builtin:fashion-mini', first.dataset.id]))
    expect(listed.find((d) => d.id === first.dataset.id)!.classes).toHaveLength(3)
    const again = await ctx.service.call('datasets.import', { path: root })
    expect(again).toMatchObject({ cached: true, previousId: null })
    write(root, 'cat/extra.png', pngBytes(10, 10, 3, 77))
    const changed = await ctx.service.call('datasets.import', { path: root })
    expect(changed.cached).toBe(false)
    expect(changed.previousId).toBe(first.dataset.id)
    const gone = await ctx.service.call('datasets.delete', { datasetId: first.dataset.id })
    expect(gone.deleted).toBe(true)
    expect(existsSync(join(tmp.dir, 'datasets', `${first.dataset.id.slice(3)}.sldc`))).toBe(false)
    expect((await ctx.service.call('datasets.list', {})).some((d) => d.id === first.dataset.id)).toBe(false)
  })

  it('a bad folder is a bad-request with one line naming it', async () => {
    const root = join(tmp.dir, 'thesis')
    write(root, 'chapter1.md', '# intro')
    await expect(ctx.service.call('datasets.import', { path: root })).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/thesis: not a dataset/),
    })
  })

  it('trains on an imported 2-D CSV (probe grid over its bounds) and refuses unknown ds: ids', async () => {
    const root = join(tmp.dir, 'blobs')
    blobsCsv(root)
    const { dataset } = await ctx.service.call('datasets.import', { path: root })
    expect(dataset).toMatchObject({ format: 'csv', inputShape: [2], numClasses: 2 })
    const { runId } = await ctx.service.call('runs.start', { config: { dataset: dataset.id, model: 'mlp', hidden: [8], epochs: 3, probeGrid: 8 } })
    expect(await waitForStatus(ctx.service, runId, ['finished', 'failed'])).toBe('finished')
    const run = await ctx.service.call('runs.get', { runId })
    expect(run.summary.testAccuracy).toBeGreaterThan(0.9)
    await expect(ctx.service.call('runs.start', { config: { dataset: 'ds:00000000deadbeef', model: 'mlp' } })).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/^config\.dataset: no imported dataset 'ds:00000000deadbeef'/),
    })
  })
})

describe('CLI', () => {
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SPLINE_LAB_HOME: join(tmp.dir, 'home') },
      timeout: 120_000,
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  const db = join(tmp.dir, 'cli', 'spline-lab.db')

  it('import --json prints the record; a bad folder exits 2 with one line', () => {
    const root = join(tmp.dir, 'cli-images')
    imageFolder(root, { perClass: 10 })
    const ok = cli('import', root, '--json', '--db', db)
    expect(ok.code).toBe(0)
    const rec = JSON.parse(ok.stdout.trim().split('\n').at(-1)!)
    expect(rec).toMatchObject({ format: 'image-folder', numClasses: 3, trainCount: 24, testCount: 6, cached: false, path: root })
    expect(existsSync(join(tmp.dir, 'cli', 'datasets', `${rec.id.slice(3)}.sldc`))).toBe(true)
    const text = cli('import', root, '--db', db)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^imported ds:[0-9a-f]{16} 'cli-images' \(image-folder\): 24 train \/ 6 test, 8×8×1, 3 classes \(unchanged: cache reused\)/)

    const bad = join(tmp.dir, 'cli-bad')
    write(bad, 'train-images-idx3-ubyte', 'not really')
    for (const args of [[bad], [join(tmp.dir, 'missing')], []]) {
      const r = cli('import', ...args, '--db', db)
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    expect(cli('import', bad, '--db', db).stderr).toMatch(/^spline-lab: .*cli-bad\/train-images-idx3-ubyte: wrong magic number 0x6e6f7420/)
  })

  it('run --dataset <folder> imports first, then trains', () => {
    const root = join(tmp.dir, 'cli-blobs')
    blobsCsv(root, 200)
    const r = cli('run', '--dataset', root, '--model', 'mlp', '--hidden', '8', '--epochs', '2', '--probe', '8', '--db', db, '--json')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(out.status).toBe('finished')
    expect(out.dataset).toMatch(/^ds:[0-9a-f]{16}$/)
    const missing = cli('run', '--dataset', join(tmp.dir, 'nowhere'), '--db', db)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--dataset: '.*nowhere' is not a built-in .*, an imported ds:<id>, or an existing folder/)
  })
})
