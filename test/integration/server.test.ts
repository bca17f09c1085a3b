import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect as tcpConnect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startServer, type RunningServer } from '../../src-main/server/server'
import { realService } from '../helpers/service'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir()
let ctx: ReturnType<typeof realService>
let server: RunningServer

beforeAll(async () => {
  ctx = realService(tmp.dir)
  const staticDir = join(tmp.dir, 'renderer')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Spline Lab</title>')
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(tmp.dir, 'secret.txt'), 'do not serve')
  server = await startServer({ api: ctx.service, staticDir, port: 0 })
})
afterAll(async () => {
  await server.close()
  await ctx.service.close()
  tmp.cleanup()
})

const base = () => `http://127.0.0.1:${server.port}`

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

function rpc(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString())
      if ('event' in m) return
      ws.off('message', onMessage)
      resolve(m)
    }
    ws.on('message', onMessage)
    ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  })
}

describe('browser-mode server', () => {
  it('listens on 127.0.0.1 only and prints a tokened URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/)
  })

  it('serves the page only with the token, assets without, and nothing outside the UI folder', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(403)
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(403)
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Spline Lab')
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(200)
    for (const evil of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const res = await fetch(`${base()}${evil}`)
      expect([403, 404, 400]).toContain(res.status)
      expect(await res.text()).not.toContain('do not serve')
    }
  })

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    await expect(connect('')).rejects.toThrow(/403/)
    await expect(connect('?token=nope')).rejects.toThrow(/403/)
    await expect(connect(`?token=${server.token}`, { Origin: 'https://evil.example' })).rejects.toThrow(/403/)
    const ok = await connect(`?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` })
    ok.close()
  })

  it('answers API calls, errors for malformed messages, and pushes live events', async () => {
    const ws = await connect(`?token=${server.token}`)
    const datasets = await rpc(ws, { id: 1, method: 'datasets.list', params: {} })
    expect(datasets.id).toBe(1)
    expect(Object.keys(datasets).sort()).toEqual(['id', 'ok', 'result']) // the contract's ApiReply with the request's id
    expect(datasets.ok).toBe(true)
    expect((datasets.result as { id: string }[]).map((d) => d.id)).toContain('builtin:xshape')
    const ids: unknown[] = []
    for (const bad of ['not json', '[]', '{"id":-1,"method":"runs.list"}', '{"id":2,"method":"runs.get","params":{"runId":5}}', '{"id":3,"method":"rm -rf"}']) {
      const reply = await rpc(ws, bad)
      expect(Object.keys(reply).sort()).toEqual(['error', 'id', 'ok'])
      expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.any(String) } })
      expect(JSON.stringify(reply)).not.toMatch(/at .*\.ts:\d+/) // no stack traces
      ids.push(reply.id)
    }
    expect(ids).toEqual([null, null, null, 2, 3]) // the id comes back whenever the message carried a valid one
    expect(await rpc(ws, { id: 6, method: 'runs.get', params: { runId: 'nope' } })).toEqual({
      id: 6,
      ok: false,
      error: { code: 'not-found', message: "no run 'nope'" },
    })
    const events: { type: string }[] = []
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.event) events.push(m.event)
    })
    const started = await rpc(ws, { id: 4, method: 'runs.start', params: { config: { dataset: 'builtin:xshape', model: 'mlp', epochs: 3 } } })
    const runId = (started.result as { runId: string }).runId
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (events.some((e) => e.type === 'run:status' && (e as unknown as { summary: { status: string; id: string } }).summary.status === 'finished')) {
          clearInterval(t)
          resolve()
        }
      }, 50)
    })
    expect(events.filter((e) => e.type === 'run:epoch')).toHaveLength(3)
    const run = await rpc(ws, { id: 5, method: 'runs.get', params: { runId } })
    expect((run.result as { metrics: unknown[] }).metrics).toHaveLength(3)
    ws.close()
  })
})

/** A raw GET: fetch would normalise `..` and refuses to set Host. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('browser-mode server against a hostile browser or network', () => {
  it('is not reachable on any other interface than loopback', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)
    if (!external) return // no other interface on this machine: nothing to reach
    const refused = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect({ host: external.address, port: server.port })
      sock.once('connect', () => (sock.destroy(), resolve(false)))
      sock.once('error', () => resolve(true))
    })
    expect(refused).toBe(true)
  })

  it('refuses other Host names (DNS rebinding), other Origins and near-miss tokens', async () => {
    const token = server.token
    expect((await rawGet(`/?token=${token}`, { Host: 'evil.example' })).status).toBe(403)
    expect((await rawGet(`/?token=${token}`, { Host: `evil.example:${server.port}` })).status).toBe(403)
    expect((await rawGet(`/?token=${token}`, { Host: `localhost:${server.port}` })).status).toBe(200)
    await expect(connect(`?token=${token}`, { Host: `evil.example:${server.port}` })).rejects.toThrow(/403/)
    for (const origin of [
      'null',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      `http://localhost.evil.example:${server.port}`,
      `http://127.0.0.1:${server.port}.evil.example`,
    ]) {
      await expect(connect(`?token=${token}`, { Origin: origin }), origin).rejects.toThrow(/403/)
    }
    for (const bad of [token.toUpperCase(), token.slice(0, -1), `${token}0`, `x&token=${token}`, encodeURIComponent(` ${token}`)]) {
      await expect(connect(`?token=${bad}`), bad).rejects.toThrow(/403/)
    }
    await expect(connect(`?tok=${token}`)).rejects.toThrow(/403/)
  })

  it('serves nothing outside the UI folder, however the path is spelled', async () => {
    symlinkSync(join(tmp.dir, 'secret.txt'), join(tmp.dir, 'renderer', 'assets', 'link.txt'))
    const evil = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/..%5c..%5csecret.txt',
      '/%252e%252e/secret.txt',
      '//secret.txt',
      '/assets/link.txt',
      `/${'a/'.repeat(3000)}`,
      '/%c0%ae%c0%ae/secret.txt',
    ]
    for (const path of evil) {
      const res = await rawGet(path)
      expect([400, 403, 404], path).toContain(res.status)
      expect(res.body).not.toContain('do not serve')
    }
    const post = await fetch(`${base()}/assets/app.js`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
  })

  it('closes a connection that sends an oversized message, and keeps serving others', async () => {
    const ws = await connect(`?token=${server.token}`)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('x'.repeat((1 << 20) + 1))
    expect(await closed).toBe(1009) // ws: message too big
    const again = await connect(`?token=${server.token}`)
    expect((await rpc(again, { id: 9, method: 'runs.list', params: {} })).result).toBeDefined()
    again.close()
  })
})
