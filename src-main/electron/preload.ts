/**
 * The renderer's only door to the app: `window.splineLab` with call/onEvent. Method names are
 * checked against the contract and parameters validated before they cross to main; the IPC
 * event object never reaches page code.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { IPC_EVENT, IPC_PREFIX, parseRequest, type ApiEvent } from '../contract/api'

const api = {
  transport: 'electron' as const,
  async call(method: string, params: unknown): Promise<unknown> {
    parseRequest(method, params)
    const reply = (await ipcRenderer.invoke(`${IPC_PREFIX}${method}`, params)) as
      { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }
    if (!reply.ok) throw new Error(reply.error.message)
    return reply.result
  },
  /** a dropped folder's path (File.path is gone since Electron 32); only for dataset import */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  },
  onEvent(listener: (event: ApiEvent) => void): () => void {
    const handler = (_e: unknown, event: ApiEvent) => listener(event)
    ipcRenderer.on(IPC_EVENT, handler)
    return () => ipcRenderer.removeListener(IPC_EVENT, handler)
  },
}

contextBridge.exposeInMainWorld('splineLab', api)
