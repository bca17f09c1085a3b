/**
 * Shared by the browser-mode e2e tests: Chromium, page opening with error capture, polling
 * through locators (the page's CSP forbids eval, so string predicates cannot be used), and a
 * frame meter installed before the app's scripts run.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { CHROMIUM_ARGS } from '../helpers/serve'
import { REPO } from '../helpers/tmp'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SHOTS = join(REPO, 'test-results')

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (see .ci/run)`)
  mkdirSync(SHOTS, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

export interface OpenPage extends Page {
  errors: string[]
}

export async function open(browser: Browser, url: string, opts: { dark?: boolean; meter?: boolean } = {}): Promise<OpenPage> {
  const page = (await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: opts.dark ? 'dark' : 'light', acceptDownloads: true })) as OpenPage
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(e.message))
  if (opts.meter) await page.addInitScript(installFrameMeter)
  await page.goto(url)
  return page
}

/** Polls a value read through locators until `ok`. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export const text = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .first()
    .textContent()
    .then((t) => t?.trim() ?? '')
    .catch(() => '')
export const attr = (page: Page, testId: string, name: string) =>
  page
    .getByTestId(testId)
    .first()
    .getAttribute(name)
    .catch(() => null)

/** The page's globals, restated: tsconfig.node.json (which checks test/) has no DOM lib. */
export interface PageGlobals {
  location: { hash: string }
  requestAnimationFrame(cb: (t: number) => void): number
  PerformanceObserver: new (cb: (list: { getEntries(): unknown[] }) => void) => { observe(o: { type: string; buffered?: boolean }): void }
}

export const hash = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).location.hash)

//#region frame meter

interface MeterWindow {
  __meter: { on: boolean; deltas: number[]; longTasks: number[]; frames: { duration: number; scripts: string[] }[] }
}

/** Runs in the page before the app: rAF deltas and long tasks, recorded while `on`. */
function installFrameMeter(): void {
  const g = globalThis as unknown as PageGlobals
  const w = globalThis as unknown as MeterWindow
  w.__meter = { on: false, deltas: [], longTasks: [], frames: [] }
  let last = 0
  const loop = (t: number) => {
    if (w.__meter.on && last) w.__meter.deltas.push(t - last)
    last = t
    g.requestAnimationFrame(loop)
  }
  g.requestAnimationFrame(loop)
  new g.PerformanceObserver((list) => {
    if (w.__meter.on) for (const e of list.getEntries() as { duration: number }[]) w.__meter.longTasks.push(e.duration)
  }).observe({ type: 'longtask', buffered: false })
  // Long animation frames name the scripts that made them long (Chromium ≥ 123).
  try {
    new g.PerformanceObserver((list) => {
      if (!w.__meter.on) return
      for (const e of list.getEntries() as unknown as {
        startTime: number
        duration: number
        renderStart: number
        styleAndLayoutStart: number
        scripts?: { invoker: string; sourceFunctionName: string; duration: number }[]
      }[]) {
        const render = e.renderStart ? e.startTime + e.duration - e.renderStart : 0
        const layout = e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0
        const scripts = (e.scripts ?? []).map((x) => `${x.invoker}:${x.sourceFunctionName} ${Math.round(x.duration)}ms`)
        w.__meter.frames.push({ duration: e.duration, scripts: [`render ${Math.round(render)}ms (style+layout+paint ${Math.round(layout)}ms)`, ...scripts] })
      }
    }).observe({ type: 'long-animation-frame', buffered: false })
  } catch {
    // older Chromium: long tasks only
  }
}

export async function meter(page: Page, on: boolean): Promise<void> {
  await page.evaluate((value) => {
    const m = (globalThis as unknown as MeterWindow).__meter
    m.on = value
    if (value) {
      m.deltas = []
      m.longTasks = []
      m.frames = []
    }
  }, on)
}

export interface FrameStats {
  frames: number
  p50: number
  p95: number
  max: number
  over50: number
  longTasks: number
  longestTask: number
}

export async function frameStats(page: Page): Promise<FrameStats> {
  const { deltas, longTasks, frames } = await page.evaluate(() => (globalThis as unknown as MeterWindow).__meter)
  if (process.env.SPLINE_LAB_PERF_DEBUG)
    for (const f of frames.filter((x) => x.duration > 50)) console.log(`[perf] long frame ${Math.round(f.duration)} ms: ${f.scripts.join(', ')}`)
  const sorted = [...deltas].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0
  return {
    frames: deltas.length,
    p50: q(0.5),
    p95: q(0.95),
    max: sorted.at(-1) ?? 0,
    over50: deltas.filter((d) => d > 50).length,
    longTasks: longTasks.length,
    longestTask: Math.max(0, ...longTasks),
  }
}

export const fmtStats = (s: FrameStats) =>
  `${s.frames} frames: p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, ${s.over50} over 50 ms; ${s.longTasks} long tasks (longest ${s.longestTask.toFixed(0)} ms)`

//#endregion
