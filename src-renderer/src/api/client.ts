/**
 * The only module that knows how requests travel: the Electron preload bridge or, in browser
 * mode, a WebSocket to the local server. Everything else sees a plain `SplineLabApi` plus the
 * `host` it runs in; both transports answer with the contract's ApiReply, and a failure on
 * either rejects with the same `ApiError(code, message)`.
 */
import {
  ApiError,
  unwrapReply,
  type ApiEvent,
  type MethodName,
  type Params,
  type Result,
  type SplineLabApi,
  type SplineLabBridge,
  type WsFrame,
  type WsRequest,
} from '@contract'

export type ConnectionState = 'connecting' | 'open' | 'closed'

/**
 * What the UI may ask of the place it runs in, whatever the transport: components use this and
 * never a `window` bridge (Netron's "host").
 */
export interface ApiHost {
  /** the desktop app, or a browser tab served by `spline-lab serve` */
  readonly kind: 'electron' | 'browser'
  /** whether the UI can learn where the user's files are (a dropped folder, a folder dialog) */
  readonly canPickPaths: boolean
  /** the path of a dropped file or folder; null where the host cannot tell (a browser, an item with no file on disk) */
  pathForFile(file: File): string | null
  /** the native folder dialog; null when cancelled or where there is none */
  pickFolder(): Promise<string | null>
}

export interface ApiClient extends SplineLabApi {
  readonly host: ApiHost
  /** Called after the connection came back; state pushed meanwhile was missed, so refetch. */
  onReconnect(listener: () => void): () => void
  onConnectionChange(listener: (state: ConnectionState) => void): () => void
  readonly connectionState: ConnectionState
  close(): void
}

export function createApiClient(): ApiClient {
  const bridge = typeof window !== 'undefined' ? window.splineLab : undefined
  if (bridge && typeof bridge.call === 'function') return createElectronClient(bridge)
  return createWebSocketClient(webSocketUrl())
}

//#region electron

export function createElectronClient(bridge: SplineLabBridge): ApiClient {
  return {
    host: {
      kind: 'electron',
      canPickPaths: true,
      pathForFile: (file) => bridge.pathForFile(file) || null,
      pickFolder: async () => unwrapReply(await bridge.pickFolder()),
    },
    connectionState: 'open',
    call: async <M extends MethodName>(method: M, params: Params<M>) => unwrapReply(await bridge.call(method, params)) as Result<M>,
    onEvent: (listener) => bridge.onEvent(listener),
    // IPC does not drop while the window lives, so there is never a reconnect.
    onReconnect: () => () => {},
    onConnectionChange: () => () => {},
    close: () => {},
  }
}

//#endregion

//#region websocket

function webSocketUrl(): string {
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (reason: ApiError) => void
}

/** A browser tab learns no paths of the user's files: datasets are imported by typing a path on the server's machine. */
const browserHost: ApiHost = {
  kind: 'browser',
  canPickPaths: false,
  pathForFile: () => null,
  pickFolder: async () => null,
}

const BACKOFF_MIN_MS = 300
const BACKOFF_MAX_MS = 10_000

export function createWebSocketClient(url: string): ApiClient {
  let socket: WebSocket | null = null
  let state: ConnectionState = 'connecting'
  let nextId = 1
  let attempt = 0
  let everOpened = false
  let closedByUs = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  /** frames written before the socket opened; sent in order on open */
  const outbox: string[] = []
  /** requests whose frame was handed to the socket; the reply is tied to that connection */
  const inFlight = new Map<number, Pending>()
  /** requests still in the outbox, which survive a reconnect */
  const queued = new Map<number, Pending>()
  const eventListeners = new Set<(event: ApiEvent) => void>()
  const reconnectListeners = new Set<() => void>()
  const stateListeners = new Set<(state: ConnectionState) => void>()

  function setState(next: ConnectionState): void {
    if (next === state) return
    state = next
    for (const listener of stateListeners) safely(() => listener(next))
  }

  function connect(): void {
    retryTimer = null
    setState('connecting')
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      attempt = 0
      setState('open')
      for (const [id, pending] of queued) inFlight.set(id, pending)
      queued.clear()
      for (const frame of outbox.splice(0)) ws.send(frame)
      if (everOpened) for (const listener of reconnectListeners) safely(listener)
      everOpened = true
    }
    ws.onmessage = (message) => {
      if (typeof message.data === 'string') receive(message.data)
    }
    ws.onclose = () => {
      if (socket !== ws) return
      socket = null
      // A reply to an in-flight request can no longer arrive; the caller decides whether to retry.
      const lost = [...inFlight.values()]
      inFlight.clear()
      for (const pending of lost) pending.reject(new ApiError('unavailable', 'connection to the Spline Lab server was lost'))
      setState('closed')
      if (!closedByUs) scheduleReconnect()
    }
    // onclose always follows onerror, and the browser already logs the reason.
    ws.onerror = () => {}
  }

  function scheduleReconnect(): void {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt)
    attempt += 1
    // Jitter keeps several windows from hammering a restarting server in lockstep.
    retryTimer = setTimeout(connect, base * (0.75 + Math.random() * 0.5))
  }

  function receive(text: string): void {
    let frame: WsFrame
    try {
      frame = JSON.parse(text) as WsFrame
    } catch {
      console.warn('spline-lab: ignoring a frame that is not JSON')
      return
    }
    if ('event' in frame) {
      for (const listener of eventListeners) safely(() => listener(frame.event))
      return
    }
    const pending = frame.id === null ? undefined : inFlight.get(frame.id)
    if (!pending) {
      if (!frame.ok) console.warn(`spline-lab: server error: ${frame.error?.message}`)
      return
    }
    inFlight.delete(frame.id as number)
    try {
      pending.resolve(unwrapReply(frame))
    } catch (err) {
      pending.reject(err as ApiError)
    }
  }

  function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (closedByUs) return Promise.reject(new ApiError('unavailable', 'the API client was closed'))
    const id = nextId++
    const request: WsRequest = { id, method, params }
    const frame = JSON.stringify(request)
    return new Promise<Result<M>>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (value: unknown) => void, reject }
      if (socket && socket.readyState === WebSocket.OPEN) {
        inFlight.set(id, pending)
        socket.send(frame)
      } else {
        queued.set(id, pending)
        outbox.push(frame)
      }
    })
  }

  connect()

  return {
    host: browserHost,
    get connectionState() {
      return state
    },
    call,
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onReconnect(listener) {
      reconnectListeners.add(listener)
      return () => reconnectListeners.delete(listener)
    },
    onConnectionChange(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    close() {
      closedByUs = true
      if (retryTimer) clearTimeout(retryTimer)
      const closing = new ApiError('unavailable', 'the API client was closed')
      for (const pending of [...inFlight.values(), ...queued.values()]) pending.reject(closing)
      inFlight.clear()
      queued.clear()
      outbox.length = 0
      socket?.close()
    },
  }
}

//#endregion

function safely(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    console.error('spline-lab: listener failed', err)
  }
}
