/**
 * Browser mode: the built renderer over HTTP and the API over one WebSocket, bound to 127.0.0.1.
 * A random token in the page URL guards the API; WebSocket upgrades from other Origins are
 * refused (cross-site WebSocket hijacking), and static paths cannot leave the renderer folder.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { readFile, realpath, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { ApiError, errorReply, WsRequestSchema, type SplineLabApi, type WsFrame, type WsReply } from '../contract/api'

export interface ServeOptions {
  api: SplineLabApi
  /** folder of the built renderer (out/renderer) */
  staticDir: string
  port?: number
  host?: string
  token?: string
  /** largest accepted WebSocket message in bytes */
  maxPayload?: number
}

export interface RunningServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(16).toString('hex')
  const root = resolve(options.staticDir)
  const server = createServer((req, res) => {
    const port = (server.address() as { port: number }).port
    const reply = isAllowedHost(req, host, port) ? serveStatic(root, token, req) : Promise.resolve(forbiddenHost)
    void reply.then(({ status, body, type }) => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        // never inside another site's frame (clickjacking): the legacy header and the CSP one
        'x-frame-options': 'DENY',
        'content-security-policy': "frame-ancestors 'none'",
      })
      res.end(body)
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 1 << 20 })
  server.on('upgrade', (req, socket, head) => {
    const port = (server.address() as { port: number }).port
    if (!isAllowedUpgrade(req, token, host, port)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.api))
  })
  await listen(server, options.port ?? 0, host)
  const port = (server.address() as { port: number }).port
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.closeAllConnections?.()
        server.close(() => done())
      }),
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => ok())
  })
}

function tokenOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? ''
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 reaches this port
 * with `Host: evil.example`. Only our own names are served.
 */
function isAllowedHost(req: IncomingMessage, bound: string, port: number): boolean {
  const host = req.headers.host
  return host === `${bound}:${port}` || host === `127.0.0.1:${port}` || host === `localhost:${port}`
}

const forbiddenHost = { status: 403, body: 'forbidden host', type: 'text/plain; charset=utf-8' }

function isAllowedUpgrade(req: IncomingMessage, token: string, host: string, port: number): boolean {
  if (!isAllowedHost(req, host, port)) return false
  if (new URL(req.url ?? '/', 'http://x').pathname !== '/api') return false
  if (!sameToken(tokenOf(req), token)) return false
  const origin = req.headers.origin
  // Non-browser clients (CLI, tests) send no Origin; browsers must come from our own page.
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
}

async function serveStatic(root: string, token: string, req: IncomingMessage) {
  const text = (status: number, body: string) => ({ status, body, type: 'text/plain; charset=utf-8' })
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed')
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  } catch {
    return text(400, 'bad path')
  }
  if (pathname === '/' || pathname === '/index.html') {
    // The page is the door to the API: only with the token from the `serve` output.
    if (!sameToken(tokenOf(req), token)) return text(403, 'missing or wrong token: open the URL printed by `spline-lab serve`')
    pathname = '/index.html'
  }
  const file = normalize(join(root, pathname))
  if (file !== root && !file.startsWith(root + sep)) return text(403, 'forbidden')
  try {
    if (!(await stat(file)).isFile()) return text(404, 'not found')
    // A symlink inside the UI folder must not lead out of it either.
    const [real, realRoot] = await Promise.all([realpath(file), realpath(root)])
    if (!real.startsWith(realRoot + sep)) return text(403, 'forbidden')
    return { status: 200, body: await readFile(file), type: MIME[extname(file)] ?? 'application/octet-stream' }
  } catch {
    return text(404, 'not found')
  }
}

function attach(ws: WebSocket, api: SplineLabApi): void {
  const send = (m: WsFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m))
  }
  const off = api.onEvent((event) => send({ event }))
  ws.on('close', off)
  ws.on('error', off)
  ws.on('message', (data, isBinary) => {
    void handle(api, isBinary ? null : data.toString()).then(send)
  })
}

/** One message's reply: `{id, ok: true, result}` or `{id, ok: false, error}`, the contract's ApiReply with the request's id. */
async function handle(api: SplineLabApi, raw: string | null): Promise<WsReply> {
  let id: number | null = null
  try {
    if (raw === null) throw new ApiError('bad-request', 'binary messages are not accepted')
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      throw new ApiError('bad-request', 'message is not valid JSON')
    }
    const parsed = WsRequestSchema.safeParse(json)
    if (!parsed.success) throw new ApiError('bad-request', 'message must be {id, method, params}')
    id = parsed.data.id
    const result = await api.call(parsed.data.method as never, (parsed.data.params ?? {}) as never)
    return { id, ok: true, result }
  } catch (err) {
    // Internal errors are reported by message only; stacks stay in the server log.
    if (!(err instanceof ApiError)) console.error('[server] internal error:', err)
    return { id, ...errorReply(err) }
  }
}
