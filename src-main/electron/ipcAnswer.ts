/**
 * Main's side of one IPC call, without Electron: the sender checked, the work run, every outcome
 * an ApiReply (`ipcMain.handle` never throws: a rejection reaches the page as a wrapped message
 * without its code). main.ts only plugs Electron's event in.
 */
import { ApiError, errorReply, type ApiReply } from '../contract/api'
import { refusalOf, type RendererOrigin, type SenderFacts } from './ipcSender'

export interface IpcLog {
  warn(line: string): void
  error(line: string, err: unknown): void
}

/** Main's side: the reply to one message on `channel`. */
export async function answerIpc<T>(
  channel: string,
  sender: SenderFacts,
  origin: RendererOrigin,
  work: () => Promise<T>,
  log: IpcLog = console,
): Promise<ApiReply<T>> {
  const refusal = refusalOf(sender, origin)
  if (refusal) {
    log.warn(`[ipc] refused '${channel}': ${refusal}`)
    return { ok: false, error: { code: 'forbidden', message: `refused: ${refusal}` } }
  }
  try {
    return { ok: true, result: await work() }
  } catch (err) {
    // Internal errors cross by message only; the stack stays in main's log.
    if (!(err instanceof ApiError)) log.error(`[ipc] '${channel}' failed:`, err)
    return errorReply(err)
  }
}
