import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import type { ApiEvent, SplineLabApi } from '@contract'

// Computed path: tsconfig.node.json (which typechecks test/) does not include src-renderer/, and a
// static import would fail `tsc -p tsconfig.node.json` with TS6307. The shape is restated instead.
interface TestClient extends SplineLabApi {
  onReconnect(listener: () => void): () => void
  readonly connectionState: string
  close(): void
}
let createWebSocketClient: (url: string) => TestClient

beforeAll(async () => {
  // Node 20 has no global WebSocket; the ws package's speaks the same onopen/onmessage/onclose API.
  ;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket
  const modulePath = '../../src-renderer/src/api/client'
  ;({ createWebSocketClient } = (await import(/* @vite-ignore */ modulePath)) as {
    createWebSocketClient: typeof createWebSocketClient
  })
})

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
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
      const reply = () => ws.send(JSON.stringify({ id: req.id, result: { method: req.method } }))
      if (req.method === 'runs.list') setTimeout(reply, 30)
      else reply()
    })
    const client = track(createWebSocketClient(url))
    const [a, b] = await Promise.all([client.call('runs.list', {}), client.call('system.info', {})])
    expect(a).toEqual({ method: 'runs.list' })
    expect(b).toEqual({ method: 'system.info' })
  })

  it('rejects with Error(message) on an error reply', async () => {
    const { url } = await fakeServer((ws, req) => ws.send(JSON.stringify({ id: req.id, error: { code: 'not-found', message: "no run 'x'" } })))
    const client = track(createWebSocketClient(url))
    await expect(client.call('runs.get', { runId: 'x' })).rejects.toThrow("no run 'x'")
  })

  it('delivers pushed events to listeners until unsubscribed', async () => {
    const event: ApiEvent = { type: 'system:backend', info: { backend: 'cpu', requested: 'auto', attempts: [], tfjsVersion: '4', customKernels: [] } }
    const { url } = await fakeServer((ws, req) => {
      ws.send(JSON.stringify({ event }))
      ws.send(JSON.stringify({ id: req.id, result: null }))
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
      else ws.send(JSON.stringify({ id: req.id, result: 'ok' }))
    })
    wss.on('connection', () => (connections += 1))
    const client = track(createWebSocketClient(url))
    const reconnected = new Promise<void>((resolve) => client.onReconnect(resolve))
    await expect(client.call('runs.cancel', { runId: 'a' })).rejects.toThrow(/lost/)
    // A call made while down waits in the queue and goes out on the new connection.
    const queued = client.call('runs.list', {})
    await reconnected
    await expect(queued).resolves.toBe('ok')
    expect(connections).toBe(2)
  })
})
