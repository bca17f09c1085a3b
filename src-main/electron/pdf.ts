/**
 * The desktop app's PDF export: the report printed by Electron's own Chromium (`printToPDF`)
 * in a hidden, sandboxed window with scripts off, loaded from a temporary file (report SVGs
 * can exceed what a data: URL may hold).
 */
import { BrowserWindow } from 'electron'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function electronPdf(html: string): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'spline-lab-pdf-'))
  const file = join(dir, 'report.html')
  writeFileSync(file, html)
  const win = new BrowserWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false } })
  try {
    await win.loadFile(file)
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true })
    return new Uint8Array(pdf)
  } finally {
    win.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}
