/**
 * Electron main process: one window, the service with its trainer worker, and IPC bound to the
 * contract. Every IPC request is validated here again (the preload is a convenience, not a wall).
 */
import { app, BrowserWindow, ipcMain, session, shell } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiError, IPC_EVENT, IPC_PREFIX, METHOD_NAMES, type MethodName } from '../contract/api'
import { createService } from '../service/createService'
import { secureWebPreferences } from './windowOptions'
import { electronPdf } from './pdf'
import { setting } from '../settings/settings'

const here = dirname(fileURLToPath(import.meta.url))
let service: ReturnType<typeof createService>['service'] | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    title: 'Spline Lab',
    webPreferences: secureWebPreferences(join(here, '../preload/index.cjs')),
  })
  win.once('ready-to-show', () => win.show())
  // No navigation away from the app and no new windows; links open in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event) => event.preventDefault())
  const devUrl = setting('rendererUrl')
  if (devUrl) void win.loadURL(devUrl)
  else void win.loadFile(join(here, '../renderer/index.html'))
  return win
}

function bindIpc(): void {
  const { service: svc } = createService({
    dbPath: join(app.getPath('userData'), 'spline-lab.db'),
    transport: 'electron',
    renderPdf: electronPdf,
  })
  service = svc
  for (const method of METHOD_NAMES) {
    ipcMain.handle(`${IPC_PREFIX}${method}`, async (event, params: unknown) => {
      if (!BrowserWindow.fromWebContents(event.sender)) return { ok: false, error: { code: 'bad-request', message: 'unknown sender' } }
      try {
        return { ok: true, result: await svc.call(method as MethodName, params as never) }
      } catch (err) {
        const code = err instanceof ApiError ? err.code : 'internal'
        return { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } }
      }
    })
  }
  svc.onEvent((event) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, event)
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
