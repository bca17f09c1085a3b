/**
 * The renderer's only door to the app: `window.splineLab`, shaped by the contract's
 * SplineLabBridge (bridge.d.ts declares it for the page). Method names and parameters are checked
 * against the contract before they cross to main; every answer is an ApiReply, never a rejection;
 * the IPC event object never reaches page code.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { IPC_EVENT, IPC_PICK_FOLDER, type ApiEvent, type SplineLabBridge } from '../contract/api'
import { invokeReply, requestIpc, type Invoke } from './bridgeRequest'

const invoke: Invoke = (channel, ...args) => ipcRenderer.invoke(channel, ...args)

const bridge: SplineLabBridge = {
  call: (method, params) => requestIpc(invoke, method, params),
  // A dropped folder's path (File.path is gone since Electron 32); only for dataset import.
  pathForFile: (file) => webUtils.getPathForFile(file),
  pickFolder: () => invokeReply<string | null>(invoke, IPC_PICK_FOLDER),
  onEvent(listener) {
    const handler = (_e: unknown, event: ApiEvent) => listener(event)
    ipcRenderer.on(IPC_EVENT, handler)
    return () => ipcRenderer.removeListener(IPC_EVENT, handler)
  },
}

contextBridge.exposeInMainWorld('splineLab', bridge)
