/**
 * HTML → PDF with a headless Chromium (playwright-core), for browser mode and the CLI; the
 * desktop app prints with Electron's own `printToPDF` instead (electron/pdf.ts). The page is
 * our generated report: scripts off, no network needed (everything is inline).
 */
import { existsSync } from 'node:fs'
import { setting } from '../settings/settings'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']

export function findChromium(): string | null {
  const fromEnv = setting('chromiumPath')
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  return CANDIDATES.find((p) => existsSync(p)) ?? null
}

export type PdfRenderer = (html: string) => Promise<Uint8Array>

export const chromiumPdf: PdfRenderer = async (html) => {
  const executablePath = findChromium()
  if (!executablePath)
    throw new Error('PDF export needs Chromium: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH; HTML export works without it')
  // A computed specifier keeps playwright-core (a dev tool) out of the bundle; it is loaded only here.
  const name = 'playwright-core'
  let chromium: typeof import('playwright-core').chromium
  try {
    ;({ chromium } = (await import(/* @vite-ignore */ name)) as typeof import('playwright-core'))
  } catch {
    throw new Error('PDF export needs the playwright-core package next to Spline Lab (npm install); HTML export works without it')
  }
  // Chromium refuses to start as root with its sandbox on (containers, CI).
  const args = ['--disable-gpu', '--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])]
  const browser = await chromium.launch({ executablePath, headless: true, args })
  try {
    const page = await browser.newPage({ javaScriptEnabled: false })
    await page.setContent(html, { waitUntil: 'load' })
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true })
    return new Uint8Array(pdf)
  } finally {
    await browser.close()
  }
}
