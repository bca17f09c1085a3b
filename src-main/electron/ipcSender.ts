/**
 * Who may talk to main over IPC, as VS Code's `validatedIpcMain` decides it: only the main frame
 * of one of our app windows, showing our own page (the packaged renderer's index.html, or the dev
 * server in `electron-vite dev`). An iframe, a window we did not open, or a page that got there by
 * any route is refused. Pure: main.ts gathers the facts from the Electron event, tests pass them in.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What main knows about the sender of one IPC message. */
export interface SenderFacts {
  /** the frame that sent it; null when that frame is gone (navigated away or destroyed) */
  frame: { url: string; isMainFrame: boolean } | null
  /** whether the sending web contents is one of the app windows main created */
  fromAppWindow: boolean
}

/** Where our page is served from. */
export type RendererOrigin = { kind: 'file'; indexHtml: string } | { kind: 'dev'; url: string }

/** The dev server when electron-vite dev set one, else the packaged index.html. */
export function rendererOrigin(devServerUrl: string | undefined, indexHtml: string): RendererOrigin {
  return devServerUrl ? { kind: 'dev', url: devServerUrl } : { kind: 'file', indexHtml: resolve(indexHtml) }
}

/** null when the sender may call; otherwise why it may not (one line for the log). */
export function refusalOf(sender: SenderFacts, origin: RendererOrigin): string | null {
  if (!sender.fromAppWindow) return 'the sender is not an app window'
  if (!sender.frame) return 'the sending frame is gone'
  if (!sender.frame.isMainFrame) return 'the sender is not the main frame of its window'
  if (!isOurPage(sender.frame.url, origin)) return `the sender's page ${clip(sender.frame.url)} is not ours`
  return null
}

function isOurPage(url: string, origin: RendererOrigin): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (origin.kind === 'dev') {
    const ours = new URL(origin.url)
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === ours.origin
  }
  // file: URLs have no origin to compare ("null"): the page must be our index.html itself; the
  // hash (the app's route) and a query do not matter.
  if (parsed.protocol !== 'file:' || parsed.host !== '') return false
  try {
    return resolve(fileURLToPath(parsed)) === origin.indexHtml
  } catch {
    return false
  }
}

function clip(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s)
}
