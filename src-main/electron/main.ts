/**
 * Electron main process: one window, the service with its trainer worker, and IPC bound to the
 * contract. Every IPC message is answered only for our own page's main frame (ipcSender.ts) and
 * validated here again (the preload is a convenience, not a wall); every answer is an ApiReply.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IPC_EVENT, IPC_PICK_FOLDER, IPC_PREFIX, METHOD_NAMES, type MethodName } from '../contract/api'
import { createService } from '../service/createService'
import { secureWebPreferences } from './windowOptions'
import { electronPdf } from './pdf'
import { answerIpc } from './ipcAnswer'
import { rendererOrigin, type SenderFacts } from './ipcSender'
import { setting } from '../settings/settings'

const here = dirname(fileURLToPath(import.meta.url))
const indexHtml = join(here, '../renderer/index.html')
const origin = rendererOrigin(setting('rendererUrl'), indexHtml)
let service: ReturnType<typeof createService>['service'] | null = null
/** web contents ids of the app windows (not the hidden PDF printer): the only IPC peers */
const appWindows = new Set<number>()

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    title: 'Spline Lab',
    webPreferences: secureWebPreferences(join(here, '../preload/index.cjs')),
  })
  const id = win.webContents.id
  appWindows.add(id)
  win.on('closed', () => appWindows.delete(id))
  win.once('ready-to-show', () => win.show())
  // No navigation away from the app and no new windows; links open in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event) => event.preventDefault())
  if (origin.kind === 'dev') void win.loadURL(origin.url)
  else void win.loadFile(indexHtml)
  return win
}

function senderFacts(event: IpcMainInvokeEvent): SenderFacts {
  let frame: SenderFacts['frame'] = null
  try {
    if (event.senderFrame) frame = { url: event.senderFrame.url, isMainFrame: event.senderFrame.parent === null }
  } catch {
    // A frame disposed meanwhile throws on access: it is gone.
  }
  return { frame, fromAppWindow: appWindows.has(event.sender.id) }
}

/** The one place main listens: each channel's work behind the sender check, answered as an ApiReply. */
function bind(channel: string, work: (params: unknown, event: IpcMainInvokeEvent) => Promise<unknown>): void {
  ipcMain.handle(channel, (event, params: unknown) => answerIpc(channel, senderFacts(event), origin, () => work(params, event)))
}

async function pickFolder(event: IpcMainInvokeEvent): Promise<string | null> {
  const win = BrowserWindow.fromWebContents(event.sender)
  const options = { title: 'Choose a dataset folder', properties: ['openDirectory' as const] }
  const picked = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options))
  return picked.canceled ? null : (picked.filePaths[0] ?? null)
}

function bindIpc(): void {
  const { service: svc } = createService({
    dbPath: join(app.getPath('userData'), 'spline-lab.db'),
    transport: 'electron',
    renderPdf: electronPdf,
  })
  service = svc
  for (const method of METHOD_NAMES) bind(`${IPC_PREFIX}${method}`, (params) => svc.call(method as MethodName, params as never))
  bind(IPC_PICK_FOLDER, (_params, event) => pickFolder(event))
  svc.onEvent((event) => {
    for (const win of BrowserWindow.getAllWindows()) if (appWindows.has(win.webContents.id)) win.webContents.send(IPC_EVENT, event)
  })
}

app.whenReady().then(() => {
  // Deny every permission request (camera, notifications, …): the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false))
  bindIpc()
  createWindow()
  // macOS keeps apps alive without windows; re-open one from the dock.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('will-quit', () => {
  void service?.close()
})
