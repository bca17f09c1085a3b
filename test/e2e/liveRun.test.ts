/**
 * The real UI in Debian's Chromium against browser mode: start the toy run from the form, watch
 * the heatmap grow to ≥ 5 epochs and the run finish, restart the server and find it again, and
 * see a CLI run on the same database appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, startServe } from '../helpers/serve'
import { CHROMIUM, SHOTS as shots, until } from './helpers'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir()
const db = join(tmp.dir, 'e2e.db')
let browser: Browser

const heatmapEpochs = (page: Page) =>
  page
    .getByTestId('heatmap')
    .getAttribute('data-epochs')
    .then(Number)
    .catch(() => 0)
const runStatus = (page: Page) =>
  page
    .getByTestId('run-status')
    .textContent()
    .then((t) => t?.trim())
    .catch(() => undefined)

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (see .ci/run)`)
  mkdirSync(shots, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
})
afterAll(async () => {
  await browser?.close()
  tmp.cleanup()
})

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url)
  ;(page as unknown as { errors: string[] }).errors = errors
  return page
}

describe('browser mode end to end', () => {
  it('starts the toy run from the UI and watches the heatmap grow until the run finishes', async () => {
    const serve = await startServe(db, tmp.dir)
    try {
      const page = await open(serve.url)
      await page.getByTestId('backend-badge').waitFor()
      await page.getByTestId('new-run').click()
      await page.getByTestId('start-run').click()
      await until(
        () => heatmapEpochs(page),
        (n) => n >= 5,
      )
      await until(
        () => runStatus(page),
        (s) => s === 'finished',
      )
      const epochs = Number(await page.getByTestId('heatmap').getAttribute('data-epochs'))
      expect(epochs).toBeGreaterThanOrEqual(5)
      await expect(page.getByTestId('backend-badge').textContent()).resolves.toMatch(/wasm|tensorflow/)
      await page.waitForTimeout(300) // let ECharts paint the last frame
      await page.screenshot({ path: join(shots, 'live-run.png') })
      expect((page as unknown as { errors: string[] }).errors).toEqual([])
      await page.close()
    } finally {
      await serve.stop()
    }
  })

  it('finds the finished run after a server restart, and shows a run made by the CLI', async () => {
    const cli = spawnSync(
      process.execPath,
      [CLI, 'run', '--dataset', 'builtin:xshape', '--model', 'mlp', '--method', 'dense', '--epochs', '6', '--db', db, '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
      },
    )
    expect(cli.status).toBe(0)
    const cliRun = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { runId: string }
    const serve = await startServe(db, tmp.dir)
    try {
      const page = await open(serve.url)
      const rows = page.getByTestId('run-row')
      await rows.first().waitFor()
      expect(await rows.count()).toBe(2)
      const row = page.locator(`[data-testid=run-row][data-run-id="${cliRun.runId}"]`)
      expect(await row.getAttribute('data-status')).toBe('finished')
      await row.click()
      await until(
        () => heatmapEpochs(page),
        (n) => n === 6,
        30_000,
      )
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(shots, 'reopened-run.png') })
      await page.close()
    } finally {
      await serve.stop()
    }
  })
})
