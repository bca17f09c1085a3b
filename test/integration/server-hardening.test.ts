/**
 * Browser mode, hardened: every HTTP answer forbids framing (X-Frame-Options and CSP
 * frame-ancestors), and more than a hundred WebSocket clients on one service print no
 * MaxListeners warning and all receive the events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import WebSocket from 'ws'
import { RunStore } from '../../src-main/store/runStore'
import { SplineLabService } from '../../src-main/service/service'
import { startServer, type RunningServer } from '../../src-main/server/server'
import { FakeTrainer } from '../helpers/fakeTrainer'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-lab-srvh-')
let store: RunStore
let service: SplineLabService
let server: RunningServer

beforeAll(async () => {
  store = new RunStore(join(tmp.dir, 'spline-lab.db'))
  service = new SplineLabService(store, new FakeTrainer(), { dataDir: tmp.dir })
  const staticDir = join(tmp.dir, 'ui')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
  server = await startServer({ api: service, staticDir, port: 0 })
})
afterAll(async () => {
  await server.close()
  await service.close()
  store.close()
  tmp.cleanup()
})

function get(path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('frame protection', () => {
  it.each([
    ['the page', (): string => `/?token=${server.token}`, 200],
    ['the page without its token', (): string => '/', 403],
    ['a missing file', (): string => '/nope.js', 404],
  ] as const)('%s is sent with X-Frame-Options DENY and frame-ancestors none', async (_what, path, status) => {
    const res = await get(path())
    expect(res.status).toBe(status)
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'")
  })

  it('a request with a foreign Host header is refused with the same headers', async () => {
    const res = await get(`/?token=${server.token}`, 'evil.example')
    expect(res.status).toBe(403)
    expect(res.headers['x-frame-options']).toBe('DENY')
  })
})

describe('many clients', () => {
  it('150 WebSocket clients: no MaxListeners warning, and every one gets the events', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    const clients: WebSocket[] = []
    try {
      for (let i = 0; i < 150; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
        clients.push(ws)
      }
      const heard = clients.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.on('message', (d) => {
              if ('event' in JSON.parse(d.toString())) resolve()
            })
          }),
      )
      await service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', hidden: [4], epochs: 1 } })
      await Promise.all(heard)
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', onWarning)
      for (const ws of clients) ws.close()
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([])
  })
})
