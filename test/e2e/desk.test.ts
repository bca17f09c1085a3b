/**
 * The researcher's desk in Debian's Chromium against browser mode, on one database: a sweep
 * from the form, the runs table (filter, sort, groups, selection, delete), compare, FLOPs vs
 * accuracy, sweeps, a CNN's architecture diff and canvas partition, an MLP's partition before
 * and after pruning, the HTML export, dark theme and keyboard. Screenshots go to test-results/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startServe } from '../helpers/serve'
import { CLI, tempDir } from '../helpers/tmp'
import { SHOTS, attr, hash, launch, open, text, until, type OpenPage } from './helpers'

const tmp = tempDir()
const db = join(tmp.dir, 'desk.db')
let browser: Browser
let serve: Awaited<ReturnType<typeof startServe>>
let page: OpenPage

const shot = async (p: Page, name: string) => {
  await p.waitForTimeout(250) // let charts paint their last frame
  await p.screenshot({ path: join(SHOTS, name) })
}
const count = (p: Page, testId: string) => p.getByTestId(testId).count()

beforeAll(async () => {
  // A small CNN on Fashion-MNIST mini with per-epoch checkpoints: conv architecture diff and the canvas partition.
  const cli = spawnSync(
    process.execPath,
    [
      CLI,
      'run',
      '--dataset',
      'builtin:fashion-mini',
      '--model',
      'cnn',
      '--width',
      '0.5',
      '--method',
      'spline-eb',
      '--ratio',
      '0.5',
      '--epochs',
      '4',
      '--train-limit',
      '300',
      '--test-limit',
      '100',
      '--probe',
      '64',
      '--name',
      'cnn fashion',
      '--db',
      db,
      '--json',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
    },
  )
  expect(cli.status, cli.stderr).toBe(0)
  browser = await launch()
  serve = await startServe(db, tmp.dir)
  page = await open(browser, serve.url)
  await page.getByTestId('backend-badge').waitFor()
}, 120_000)

afterAll(async () => {
  expect(page?.errors ?? []).toEqual([])
  await browser?.close()
  await serve?.stop()
  tmp.cleanup()
})

describe('the researcher’s desk', () => {
  it('new run: validation next to the fields, then a sweep of methods × ratios × seeds', async () => {
    await page.getByTestId('new-run').click()
    await page.getByTestId('f-epochs').fill('0')
    await page.getByTestId('start-run').click()
    await until(
      () => count(page, 'field-error'),
      (n) => n > 0,
      5000,
    )
    expect(await page.locator('#f-epochs-error').textContent()).toMatch(/>=|≥|least|too small/i)
    await shot(page, 'new-run-validation.png')

    await page.getByTestId('mode-sweep').click()
    await page.getByTestId('f-epochs').fill('5')
    await page.getByTestId('sweep-method-eb-bn').uncheck()
    await page.getByTestId('sweep-ratios').fill('0.3, 0.6')
    await page.getByTestId('sweep-seeds').fill('2')
    await until(
      () => text(page, 'sweep-count'),
      (t) => t === '6 runs will be queued.',
      5000,
    )
    await shot(page, 'new-sweep.png')
    await page.getByTestId('start-run').click()
    await until(
      () => hash(page),
      (h) => h.startsWith('#/sweeps/'),
      10_000,
    )
    await until(
      () => text(page, 'sweep-progress'),
      (t) => t.startsWith('6 of 6 runs done'),
      120_000,
    )
    await until(
      () => page.getByTestId('aggregate-chart').first().getAttribute('data-series'),
      (s) => Number(s) >= 1,
      10_000,
    )
    await shot(page, 'sweeps.png')
  })

  it('runs table: filter, sort, group by sweep, select, compare, delete with confirmation', async () => {
    await page.getByTestId('nav-runs').click()
    await until(
      () => text(page, 'runs-count'),
      (t) => t === '7',
      10_000,
    )
    await page.getByTestId('runs-filter').fill('cnn')
    await until(
      () => text(page, 'runs-count'),
      (t) => t.startsWith('1 of 7'),
      5000,
    )
    await page.getByTestId('runs-filter').fill('')
    await page.getByTestId('sort-testAccuracy').click()
    expect(await page.locator('[role=columnheader][aria-sort="descending"]').textContent()).toContain('Acc')
    await page.getByTestId('group-sweeps').check()
    await until(
      () => count(page, 'sweep-row'),
      (n) => n === 1,
      5000,
    )
    const rows = page.getByTestId('run-row')
    await rows.nth(0).locator('.check').click()
    await rows
      .nth(2)
      .locator('.check')
      .click({ modifiers: ['Shift'] })
    await until(
      () => text(page, 'selection-count'),
      (t) => t === '3 selected',
      5000,
    )
    await shot(page, 'runs.png')

    await page.getByTestId('compare-selected').click()
    await until(
      () => count(page, 'config-row'),
      (n) => n > 0,
      20_000,
    )
    expect(await page.locator('[data-testid=config-row][data-differs=true]').count()).toBeGreaterThan(0)
    await until(
      () => count(page, 'heatmap'),
      (n) => n === 3,
      10_000,
    )
    await shot(page, 'compare.png')

    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-sweep-filter').selectOption('-')
    await until(
      () => text(page, 'runs-count'),
      (t) => t.startsWith('1 of 7'),
      5000,
    )
    await page.getByTestId('runs-sweep-filter').selectOption('')
    await page.getByTestId('delete-selected').click()
    await page.getByTestId('confirm-dialog').waitFor()
    await shot(page, 'delete-confirm.png')
    await page.getByTestId('confirm-cancel').click()
    expect(await text(page, 'runs-count')).toBe('7')
    await page.getByTestId('delete-selected').click()
    await page.getByTestId('confirm-ok').click()
    await until(
      () => text(page, 'runs-count'),
      (t) => t === '4',
      10_000,
    )
  })

  it('FLOPs vs accuracy: training FLOPs or MACs on a log axis; clicking a point opens its run', async () => {
    await page.getByTestId('nav-flops').click()
    const chart = page.getByTestId('aggregate-chart')
    await until(
      () => chart.getAttribute('data-points'),
      (n) => Number(n) >= 3,
      10_000,
    )
    await page.getByTestId('x-macs').click()
    await shot(page, 'flops-macs.png')
    await page.getByTestId('x-train-flops').click()
    await shot(page, 'flops-train.png')
    // The pixel of the first run's dot, from the chart instance the host element carries.
    const host = chart.locator('.echart')
    const xy = await host.evaluate((el) => {
      const c = (
        el as unknown as {
          __echarts: { getOption(): { series: { type: string; data: { value: number[] }[] }[] }; convertToPixel(f: object, v: number[]): number[] }
        }
      ).__echarts
      const series = c.getOption().series
      const k = series.findIndex((s) => s.type === 'scatter')
      return c.convertToPixel({ seriesIndex: k }, series[k]!.data[0]!.value.slice(0, 2))
    })
    const box = (await host.boundingBox())!
    await page.mouse.click(box.x + xy[0]!, box.y + xy[1]!)
    await until(
      () => hash(page),
      (h) => h.startsWith('#/run/'),
      5000,
    )
  })

  it('run view: a CNN’s architecture diff and its partition on the canvas of two test images', async () => {
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-filter').fill('cnn fashion')
    await page.getByTestId('run-row').first().click()
    await page.getByTestId('tab-architecture').click()
    await page.getByTestId('arch-totals').waitFor()
    expect(await text(page, 'arch-totals')).toMatch(/→/)
    await shot(page, 'arch-cnn.png')
    await page.getByTestId('arch-table-toggle').click()
    expect(await page.getByTestId('arch-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(6)
    await shot(page, 'arch-cnn-table.png')
    await page.getByTestId('tab-partition').click()
    await until(
      () => count(page, 'partition-plot'),
      (n) => n === 3,
      60_000,
    )
    expect(await page.getByTestId('partition-plot').first().textContent()).toMatch(/conv1\.bn/)
    await shot(page, 'partition-cnn-canvas.png')
  })

  it('run view: an MLP’s partition before and after pruning, and at any epoch', async () => {
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-filter').fill('spline-eb xshape')
    await page.getByTestId('run-row').first().click()
    await page.getByTestId('tab-partition').click()
    await until(
      () => count(page, 'partition-plot'),
      (n) => n >= 2,
      60_000,
    )
    const titles = await page.getByTestId('partition-plot').locator('figcaption b').allTextContents()
    expect(titles.slice(0, 2)).toEqual([expect.stringMatching(/^Ticket/), 'After pruning (surgery)'])
    await shot(page, 'partition-prune.png')
    await page.getByTestId('partition-mode-epoch').click()
    await page.getByTestId('partition-epoch').fill('1')
    await until(
      () => page.getByTestId('partition-plot').locator('figcaption b').first().textContent(),
      (t) => t === 'Epoch 1',
      30_000,
    )
    await page.getByTestId('tab-training').click()
    await until(
      () => attr(page, 'eb-trace', 'data-bn-points'),
      (n) => Number(n) > 0,
      10_000,
    )
    await shot(page, 'run-training.png')
  })

  it('exports a sweep as a self-contained HTML report that opens offline', async () => {
    await page.getByTestId('nav-sweeps').click()
    await page.getByTestId('export-toggle').click()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()])
    const file = join(SHOTS, 'report-sweep.html')
    await download.saveAs(file)
    const html = readFileSync(file, 'utf8')
    expect(html).not.toMatch(/<script/)
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(4)
    const report = await browser.newPage({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false })
    await report.goto(`file://${file}`)
    await report.screenshot({ path: join(SHOTS, 'report-sweep.png'), fullPage: false })
    await report
      .locator('section', { hasText: 'Comparison' })
      .first()
      .screenshot({ path: join(SHOTS, 'report-sweep-comparison.png') })
    await report.close()
    await until(
      () => text(page, 'export-message'),
      (t) => t.startsWith('Saved'),
      5000,
    )
  })

  it('dark theme, and the table driven by the keyboard', async () => {
    await page.getByTestId('theme-toggle').click() // auto → light
    await page.getByTestId('theme-toggle').click() // light → dark
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-filter').fill('')
    await page.getByTestId('run-row').first().focus()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Space')
    await until(
      () => text(page, 'selection-count'),
      (t) => t === '1 selected',
      5000,
    )
    await shot(page, 'runs-dark-keyboard.png')
    await page.keyboard.press('Enter')
    await until(
      () => hash(page),
      (h) => h.startsWith('#/run/'),
      5000,
    )
    await page.getByTestId('heatmap').waitFor()
    await shot(page, 'run-dark.png')
    await page.getByTestId('theme-toggle').click() // dark → auto
  })
})
