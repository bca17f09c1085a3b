/**
 * The dataset picker's Cancel button, in Debian's Chromium against browser mode: an import of a
 * large folder shows its progress and a Cancel button; Cancel stops it, the picker says so (not
 * as an error), and the data folder keeps no temporary and no cache of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { startServe } from '../helpers/serve'
import { launch, open, until, type OpenPage } from './helpers'
import { tempDir } from '../helpers/tmp'
import { idxBytes, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-e2e-cancel-')
const data = join(tmp.dir, 'big-idx')
let browser: Browser
let serve: Awaited<ReturnType<typeof startServe>>
let page: OpenPage

beforeAll(async () => {
  // 28×28 IDX pairs big enough that the import is still reading when Cancel is clicked
  for (const [split, n] of [
    ['train', 200_000],
    ['t10k', 1000],
  ] as const) {
    const x = Buffer.alloc(n * 784)
    for (let i = 0; i < x.length; i += 5) x[i] = (i * 7) & 255
    write(data, `${split}-images-idx3-ubyte`, idxBytes('images', x, n, 28, 28))
    write(
      data,
      `${split}-labels-idx1-ubyte`,
      idxBytes(
        'labels',
        new Uint8Array(n).map((_, i) => i % 10),
        n,
      ),
    )
  }
  browser = await launch()
  serve = await startServe(join(tmp.dir, 'e2e.db'), tmp.dir)
  page = await open(browser, serve.url)
  await page.getByTestId('backend-badge').waitFor()
}, 120_000)

afterAll(async () => {
  expect(page?.errors ?? []).toEqual([])
  await browser?.close()
  await serve?.stop()
  tmp.cleanup()
})

describe('dataset picker', () => {
  it('Cancel stops an import in progress and nothing is kept', async () => {
    await page.getByTestId('new-run').click()
    await page.getByTestId('dataset-path').fill(data)
    await page.getByTestId('dataset-import-button').click()
    const cancel = page.getByTestId('dataset-import-cancel')
    await cancel.waitFor({ timeout: 30_000 })
    await until(
      () =>
        page
          .getByRole('status')
          .first()
          .textContent()
          .catch(() => ''),
      (t) => /Reading|Looking/.test(t ?? ''),
      30_000,
    )
    await cancel.click()
    await until(
      () =>
        page
          .locator('.notice')
          .first()
          .textContent()
          .catch(() => ''),
      (t) => t === 'Import cancelled; nothing was kept.',
      30_000,
    )
    expect(await page.getByTestId('dataset-error').count()).toBe(0)
    expect(await page.getByTestId('dataset-import-cancel').count()).toBe(0)
    const cache = readdirSync(join(tmp.dir, 'datasets'))
    expect(cache.filter((f) => f.endsWith('.tmp') || f.endsWith('.sldc'))).toEqual([])
  })
})
