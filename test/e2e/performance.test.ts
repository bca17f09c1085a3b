/**
 * Smoothness, measured in Chromium with a requestAnimationFrame meter and a long-task observer:
 * a live run growing a 160 × 160 spline-distance heatmap, and a runs table of 1,000 runs scrolled,
 * sorted and filtered. The p95 frame time is printed; it must stay under 50 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { RunConfigSchema, type RunStatus } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { createRng } from '../../src-main/core/random'
import { startServe } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { SHOTS, attr, fmtStats, frameStats, launch, meter, open, text, until } from './helpers'

const tmp = tempDir()
let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
  tmp.cleanup()
})

/** 1,000 plausible runs straight into a store: sweeps, every status, pruned and dense. */
function seedThousand(file: string): void {
  const store = new RunStore(file)
  const rng = createRng(7)
  const methods = ['dense', 'spline-eb', 'eb-bn', 'prune-after', 'prune-at-init'] as const
  const statuses: RunStatus[] = ['finished', 'finished', 'finished', 'finished', 'failed', 'cancelled', 'interrupted']
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  store.db.transaction(() => {
    for (let i = 0; i < 1000; i++) {
      const method = methods[i % methods.length]!
      const config = RunConfigSchema.parse({
        dataset: i % 3 ? 'builtin:xshape' : 'builtin:fashion-mini',
        model: i % 3 ? 'mlp' : 'cnn',
        method,
        ratio: [0.3, 0.5, 0.7][i % 3],
        seed: i % 4,
        epochs: 30,
      })
      const id = `synthetic-${String(i).padStart(4, '0')}`
      const at = new Date(t0 + i * 60_000).toISOString()
      store.createRun({ id, name: `synthetic ${method} #${i}`, config, createdAt: at, sweepId: i < 300 ? `sweep-${Math.floor(i / 60)}` : undefined })
      const status = statuses[Math.floor(rng.next() * statuses.length)]!
      const acc = 0.7 + 0.28 * rng.next()
      const macs = (i % 3 ? 1e3 : 2e5) * (method === 'dense' ? 1 : 0.5)
      store.finish(id, status as Exclude<RunStatus, 'queued' | 'running'>, at, {
        testAccuracy: status === 'finished' ? acc : null,
        ebEpoch: method === 'dense' ? null : 3 + (i % 7),
        bnEbEpoch: method === 'dense' ? null : 4 + (i % 5),
        params: macs * 1.2,
        macs,
        flops: macs * 2,
        trainFlops: macs * 2 * 3 * 1600 * 30,
        wallSeconds: 10 + (i % 50),
        ...(status === 'failed' ? { error: 'synthetic failure' } : {}),
      })
    }
  })()
  store.close()
}

describe('smoothness', () => {
  it('a live run growing a 160 × 160 heatmap: p95 frame under 50 ms', async () => {
    const serve = await startServe(join(tmp.dir, 'live.db'), tmp.dir)
    try {
      const page = await open(browser, serve.url, { meter: true })
      await page.getByTestId('backend-badge').waitFor()
      await page.getByTestId('new-run').click()
      await page.getByTestId('f-epochs').fill('160')
      await page.locator('#f-hidden').fill('8')
      await page.locator('#f-batch').fill('800')
      await page.locator('details.advanced summary').click()
      await page.locator('#f-probe-grid').fill('12')
      await page.getByTestId('start-run').click()
      await until(
        () => attr(page, 'heatmap', 'data-epochs').then(Number),
        (n) => n >= 3,
        60_000,
      )
      await meter(page, true)
      await until(
        () => text(page, 'run-status'),
        (s) => s === 'finished',
        120_000,
      )
      await meter(page, false)
      const epochs = Number(await attr(page, 'heatmap', 'data-epochs'))
      const stats = await frameStats(page)
      console.log(`[perf] live run, heatmap ${epochs}×${epochs}: ${fmtStats(stats)}`)
      expect(epochs).toBe(160)
      expect(stats.frames).toBeGreaterThan(30)
      expect(stats.p95).toBeLessThan(50)
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(SHOTS, 'live-160.png') })
      expect(page.errors).toEqual([])
      await page.close()
    } finally {
      await serve.stop()
    }
  })

  it('1,000 runs: the table renders a window of rows and scrolls, sorts and filters smoothly', async () => {
    const db = join(tmp.dir, 'thousand.db')
    seedThousand(db)
    const serve = await startServe(db, tmp.dir)
    try {
      const page = await open(browser, serve.url, { meter: true })
      const t0 = Date.now()
      await until(
        () => text(page, 'runs-count'),
        (t) => t === '1000',
        30_000,
      )
      const firstPaint = Date.now() - t0
      const inDom = await page.getByTestId('run-row').count()
      expect(inDom).toBeLessThan(60)
      const scroller = page.getByTestId('runs-scroller')
      const box = (await scroller.boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await meter(page, true)
      // a brisk scroll: 60 wheel notches of 200 px, about 6,000 px a second, through the list
      for (let i = 0; i < 60; i++) {
        await page.mouse.wheel(0, 200)
        await page.waitForTimeout(30)
      }
      const sortStart = Date.now()
      await page.getByTestId('sort-testAccuracy').click()
      await until(
        () => page.locator('[role=columnheader][aria-sort="descending"]').textContent(),
        (t) => t?.includes('Acc') ?? false,
        5000,
      )
      const sortMs = Date.now() - sortStart
      await page.getByTestId('runs-filter').fill('prune-after')
      await until(
        () => text(page, 'runs-count'),
        (t) => t === '200 of 1000',
        5000,
      )
      await page.getByTestId('runs-filter').fill('')
      await page.getByTestId('group-sweeps').check()
      // a new grouping starts at the top, where the sweeps are
      await until(
        () => page.getByTestId('sweep-row').count(),
        (n) => n >= 1,
        5000,
      )
      expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0)
      await meter(page, false)
      const stats = await frameStats(page)
      console.log(`[perf] 1,000 runs: list shown in ${firstPaint} ms, ${inDom} rows in the DOM, sort ${sortMs} ms; scroll/sort/filter ${fmtStats(stats)}`)
      expect(stats.p95).toBeLessThan(50)
      await page.waitForTimeout(200)
      await page.screenshot({ path: join(SHOTS, 'runs-1000.png') })
      expect(page.errors).toEqual([])
      await page.close()
    } finally {
      await serve.stop()
    }
  })
})
