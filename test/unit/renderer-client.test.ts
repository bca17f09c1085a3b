import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { ApiError, IPC_PICK_FOLDER, IPC_PREFIX, parseRequest, type ApiEvent, type SplineLabApi, type SplineLabBridge } from '@contract'
import { startServer } from '../../src-main/server/server'
import { answerIpc } from '../../src-main/electron/ipcAnswer'
import { rendererOrigin, type SenderFacts } from '../../src-main/electron/ipcSender'
import { invokeReply, requestIpc, type Invoke } from '../../src-main/electron/bridgeRequest'
import { tempDir } from '../helpers/tmp'

// Computed path: tsconfig.node.json (which typechecks test/) does not include src-renderer/, and a
// static import would fail `tsc -p tsconfig.node.json` with TS6307. The shape is restated instead.
interface TestHost {
  readonly kind: 'electron' | 'browser'
  readonly canPickPaths: boolean
  pathForFile(file: File): string | null
  pickFolder(): Promise<string | null>
}
interface TestClient extends SplineLabApi {
  readonly host: TestHost
  onReconnect(listener: () => void): () => void
  readonly connectionState: string
  close(): void
}
let createWebSocketClient: (url: string) => TestClient
let createElectronClient: (bridge: SplineLabBridge) => TestClient

beforeAll(async () => {
  // Node 20 has no global WebSocket; the ws package's speaks the same onopen/onmessage/onclose API.
  ;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket
  const modulePath = '../../src-renderer/src/api/client'
  ;({ createWebSocketClient, createElectronClient } = (await import(/* @vite-ignore */ modulePath)) as {
    createWebSocketClient: typeof createWebSocketClient
    createElectronClient: typeof createElectronClient
  })
})

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0)) await fn()
})

async function fakeServer(onRequest: (ws: WebSocket, req: { id: number; method: string; params: unknown }) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => wss.once('listening', resolve))
  wss.on('connection', (ws) => ws.on('message', (raw) => onRequest(ws, JSON.parse(String(raw)))))
  cleanups.push(() => wss.close())
  const port = (wss.address() as AddressInfo).port
  return { wss, url: `ws://127.0.0.1:${port}/api?token=t` }
}

function track(client: TestClient): TestClient {
  cleanups.push(() => client.close())
  return client
}

describe('websocket API client', () => {
  it('queues calls until open and matches replies by id', async () => {
    const { url } = await fakeServer((ws, req) => {
      // Answer out of order to prove replies are matched by id, not by position.
      const reply = () => ws.send(JSON.stringify({ id: req.id, ok: true, result: { method: req.method } }))
      if (req.method === 'runs.list') setTimeout(reply, 30)
      else reply()
    })
    const client = track(createWebSocketClient(url))
    const [a, b] = await Promise.all([client.call('runs.list', {}), client.call('system.info', {})])
    expect(a).toEqual({ method: 'runs.list' })
    expect(b).toEqual({ method: 'system.info' })
  })

  it('rejects with ApiError(code, message) on an error reply; an unknown code is internal, never a success', async () => {
    const { url } = await fakeServer((ws, req) => {
      const code = req.method === 'runs.get' ? 'not-found' : 'teapot'
      ws.send(JSON.stringify({ id: req.id, ok: false, error: { code, message: "no run 'x'" } }))
    })
    const client = track(createWebSocketClient(url))
    await expect(client.call('runs.get', { runId: 'x' })).rejects.toThrow("no run 'x'")
    await expect(client.call('runs.get', { runId: 'x' })).rejects.toMatchObject({ name: 'ApiError', code: 'not-found' })
    await expect(client.call('runs.list', {})).rejects.toMatchObject({ name: 'ApiError', code: 'internal', message: "no run 'x'" })
    expect(client.host).toMatchObject({ kind: 'browser', canPickPaths: false })
    expect(client.host.pathForFile({} as File)).toBeNull()
    expect(await client.host.pickFolder()).toBeNull()
  })

  it('delivers pushed events to listeners until unsubscribed', async () => {
    const event: ApiEvent = { type: 'system:backend', info: { backend: 'cpu', requested: 'auto', attempts: [], tfjsVersion: '4', customKernels: [] } }
    const { url } = await fakeServer((ws, req) => {
      ws.send(JSON.stringify({ event }))
      ws.send(JSON.stringify({ id: req.id, ok: true, result: null }))
    })
    const client = track(createWebSocketClient(url))
    const seen: ApiEvent[] = []
    const off = client.onEvent((e) => seen.push(e))
    await client.call('runs.list', {})
    expect(seen).toEqual([event])
    off()
    await client.call('runs.list', {})
    expect(seen).toHaveLength(1)
  })

  it('rejects in-flight calls when the connection drops, then reconnects and says so', async () => {
    let connections = 0
    const { wss, url } = await fakeServer((ws, req) => {
      if (req.method === 'runs.cancel') ws.terminate()
      else ws.send(JSON.stringify({ id: req.id, ok: true, result: 'ok' }))
    })
    wss.on('connection', () => (connections += 1))
    const client = track(createWebSocketClient(url))
    const reconnected = new Promise<void>((resolve) => client.onReconnect(resolve))
    await expect(client.call('runs.cancel', { runId: 'a' })).rejects.toMatchObject({
      name: 'ApiError',
      code: 'unavailable',
      message: expect.stringMatching(/lost/),
    })
    // A call made while down waits in the queue and goes out on the new connection.
    const queued = client.call('runs.list', {})
    await reconnected
    await expect(queued).resolves.toBe('ok')
    expect(connections).toBe(2)
  })
})

//#region both transports

/**
 * A stand-in service that validates like the real one and fails in each way a caller can see:
 * a refusal with a code, a bug (a plain Error), and success.
 */
const fakeApi: SplineLabApi = {
  async call(method, params) {
    const parsed = parseRequest(method, params) as { runId?: string }
    if (method === 'runs.get') throw new ApiError('not-found', `no run '${parsed.runId}'`)
    if (method === 'runs.delete') throw new ApiError('conflict', `run '${parsed.runId}' is running; cancel it before deleting`)
    if (method === 'system.info') throw new TypeError("Cannot read properties of undefined (reading 'backend')")
    return [{ id: 'r1' }] as never
  },
  onEvent: () => () => {},
}

/** Electron's two processes without Electron: the preload's request, main's answer, structured clone between. */
function simulatedBridge(api: SplineLabApi, sender: SenderFacts, dropped = ''): SplineLabBridge {
  const origin = rendererOrigin(undefined, '/app/out/renderer/index.html')
  const quiet = { warn: () => {}, error: () => {} }
  const main = (channel: string, params: unknown) =>
    channel === IPC_PICK_FOLDER
      ? answerIpc(channel, sender, origin, async () => '/data/picked', quiet)
      : answerIpc(channel, sender, origin, () => api.call(channel.slice(IPC_PREFIX.length) as never, params as never), quiet)
  const invoke: Invoke = async (channel, ...args) => structuredClone(await main(channel, structuredClone(args[0])))
  return {
    call: (method, params) => requestIpc(invoke, method, params),
    pathForFile: () => dropped,
    pickFolder: () => invokeReply<string | null>(invoke, IPC_PICK_FOLDER),
    onEvent: () => () => {},
  }
}

const ourWindow: SenderFacts = { frame: { url: `${pathToFileURL('/app/out/renderer/index.html').href}#/runs`, isMainFrame: true }, fromAppWindow: true }

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { result: await p }
  } catch (err) {
    // Every failure is the contract's ApiError, whichever transport carried it.
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    return { name: e.name, code: e.code, message: e.message }
  }
}

describe('both transports', () => {
  it('give the same result and the same ApiError(code, message) for every outcome', async () => {
    const tmp = tempDir()
    mkdirSync(join(tmp.dir, 'ui'))
    writeFileSync(join(tmp.dir, 'ui', 'index.html'), '<!doctype html>')
    const server = await startServer({ api: fakeApi, staticDir: join(tmp.dir, 'ui'), port: 0 })
    cleanups.push(async () => (await server.close(), tmp.cleanup()))
    const errors = console.error
    console.error = () => {} // the server logs the bug's stack; the caller sees only its message
    cleanups.push(() => void (console.error = errors))
    const ws = track(createWebSocketClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`))
    const ipc = createElectronClient(simulatedBridge(fakeApi, ourWindow))
    const calls: [string, unknown][] = [
      ['runs.list', {}],
      ['runs.get', { runId: 'x' }],
      ['runs.delete', { runId: 'y' }],
      ['system.info', {}],
      ['runs.get', { runId: 5 }],
      ['runs.get', {}],
      ['fs.rm', { path: '/' }],
    ]
    const seen: unknown[] = []
    for (const [method, params] of calls) {
      const [overWs, overIpc] = await Promise.all([outcome(ws.call(method as never, params as never)), outcome(ipc.call(method as never, params as never))])
      expect(overIpc, method).toEqual(overWs)
      seen.push(overWs)
    }
    expect(seen).toEqual([
      { result: [{ id: 'r1' }] },
      { name: 'ApiError', code: 'not-found', message: "no run 'x'" },
      { name: 'ApiError', code: 'conflict', message: "run 'y' is running; cancel it before deleting" },
      { name: 'ApiError', code: 'internal', message: "Cannot read properties of undefined (reading 'backend')" },
      { name: 'ApiError', code: 'bad-request', message: expect.stringMatching(/^runId: /) },
      { name: 'ApiError', code: 'bad-request', message: expect.stringMatching(/^runId: /) },
      { name: 'ApiError', code: 'bad-request', message: "unknown method 'fs.rm'" },
    ])
  })

  it("electron: a refused sender surfaces as ApiError('forbidden'); the host knows paths and asks main for the dialog", async () => {
    const iframe = createElectronClient(simulatedBridge(fakeApi, { ...ourWindow, frame: { url: ourWindow.frame!.url, isMainFrame: false } }))
    await expect(iframe.call('runs.list', {})).rejects.toMatchObject({
      name: 'ApiError',
      code: 'forbidden',
      message: expect.stringMatching(/not the main frame/),
    })
    await expect(iframe.host.pickFolder()).rejects.toMatchObject({ code: 'forbidden' })
    const ours = createElectronClient(simulatedBridge(fakeApi, ourWindow, '/data/dropped'))
    expect(ours.host).toMatchObject({ kind: 'electron', canPickPaths: true })
    expect(await ours.host.pickFolder()).toBe('/data/picked')
    expect(ours.host.pathForFile({} as File)).toBe('/data/dropped')
    // A reply that is not an ApiReply (a main process of another build) is an error, never a result.
    const odd = createElectronClient({ ...simulatedBridge(fakeApi, ourWindow), call: async () => ({ result: 'x' }) as never })
    await expect(odd.call('runs.list', {})).rejects.toMatchObject({ name: 'ApiError', code: 'internal', message: expect.stringMatching(/malformed reply/) })
    // An item with no file on disk (a dragged link, a browser tab) has the empty path: none.
    expect(createElectronClient(simulatedBridge(fakeApi, ourWindow, '')).host.pathForFile({} as File)).toBeNull()
  })
})

//#endregion
