/**
 * Hostile and malformed requests: every bad config and request gets a clear bad-request error and
 * changes nothing; a few thousand random and mutated WebSocket messages each get one answer, none
 * an internal error, and the server stays up. The service is real; its trainer is a fake, so
 * valid starts found by the fuzzer cost nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { mkdirSync, writeFileSync } from 'node:fs'
import WebSocket from 'ws'
import { ApiError, parseRequest, type MethodName, type SplineLabApi } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { SplineLabService } from '../../src-main/service/service'
import { startServer, type RunningServer } from '../../src-main/server/server'
import { FakeTrainer } from '../helpers/fakeTrainer'
import { rng } from '../helpers/crash'
import { tempDir } from '../helpers/tmp'
import { BAD_CONFIGS, BAD_REQUESTS, VALID_TEMPLATES } from '../helpers/badInput'

const tmp = tempDir('spline-hostile-')
let store: RunStore
let service: SplineLabService
let server: RunningServer

beforeAll(async () => {
  store = new RunStore(join(tmp.dir, 'spline-lab.db'))
  service = new SplineLabService(store, new FakeTrainer(), { dataDir: tmp.dir })
  // Imports are validated like everything else, but a fuzzed path must never walk the real disk.
  const api: SplineLabApi = {
    call: (method, params) => {
      if (method === 'datasets.import') {
        parseRequest(method, params)
        return Promise.reject(new ApiError('bad-request', 'imports are off in this test'))
      }
      return service.call(method, params)
    },
    onEvent: (l) => service.onEvent(l),
  }
  const staticDir = join(tmp.dir, 'ui')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
  server = await startServer({ api, staticDir, port: 0 })
})
afterAll(async () => {
  await server.close()
  await service.close()
  store.close()
  tmp.cleanup()
})

describe('bad configs and requests', () => {
  it.each(BAD_CONFIGS)('runs.start refuses %s', async (_label, config, field) => {
    const before = store.listRuns().length
    const err = await service.call('runs.start', { config } as never).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('bad-request')
    expect((err as ApiError).message).toMatch(field)
    expect((err as ApiError).message.length).toBeLessThan(600)
    expect(store.listRuns().length).toBe(before)
  })

  it.each(BAD_REQUESTS)('%s is refused', async (_label, method, params, code) => {
    const before = store.listRuns().length
    await expect(service.call(method as MethodName, params as never)).rejects.toMatchObject({ code })
    expect(store.listRuns().length).toBe(before)
  })
})

/** Random JSON-ish values and mutations of valid requests. */
function fuzzer(seed: number) {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const str = () => pick(['', 'a', 'runs.start', '__proto__', 'constructor', '../../etc/passwd', '\u0000', '😀', 'x'.repeat(5000), String(r())])
  const leaf = (): unknown =>
    pick([
      () => null,
      () => r() * 1e6 - 5e5,
      () => Math.floor(r() * 100) - 50,
      () => -1,
      () => 1.5,
      () => 1e308,
      () => str(),
      () => true,
      () => [],
      () => ({}),
    ])()
  const value = (depth: number): unknown => {
    if (depth > 3 || r() < 0.5) return leaf()
    if (r() < 0.5) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1))
    return Object.fromEntries(
      Array.from({ length: Math.floor(r() * 4) }, () => [pick(['id', 'method', 'params', 'config', 'runId', 'epochs', 'ratio', str()]), value(depth + 1)]),
    )
  }
  const mutate = (x: unknown, depth = 0): unknown => {
    if (x === null || typeof x !== 'object' || depth > 4) return r() < 0.7 ? leaf() : x
    const obj: Record<string, unknown> = Array.isArray(x) ? ([...x] as never) : { ...(x as Record<string, unknown>) }
    const keys = Object.keys(obj)
    const op = r()
    if (op < 0.2 && keys.length) delete obj[pick(keys)]
    else if (op < 0.3) obj[str()] = value(2)
    else if (keys.length) {
      const k = pick(keys)
      obj[k] = mutate(obj[k], depth + 1)
    }
    return obj
  }
  const textMutate = (s: string): string => {
    const i = Math.floor(r() * s.length)
    const op = r()
    if (op < 0.3) return s.slice(0, i)
    if (op < 0.6) return s.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(i + 1)
    return s.slice(0, i) + pick(['{', '}', '"', ',', ':', '[', '\\', '1e999', 'null']) + s.slice(i)
  }
  return (): string | Buffer => {
    const kind = r()
    if (kind < 0.05) return Buffer.from(Array.from({ length: 16 }, () => Math.floor(r() * 256)))
    if (kind < 0.15) return Array.from({ length: Math.floor(r() * 40) }, () => String.fromCharCode(Math.floor(r() * 0x3000))).join('')
    if (kind < 0.3) return JSON.stringify(value(0))
    const template = { id: Math.floor(r() * 1e6), ...pick(VALID_TEMPLATES) }
    if (kind < 0.45) return textMutate(JSON.stringify(template))
    return JSON.stringify(mutate(template))
  }
}

describe('WebSocket fuzzing', () => {
  it('answers every one of 5000 random and mutated messages, none with an internal error, and stays up', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 1e6))
    const next = fuzzer(seed)
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const replies: { result?: unknown; error?: { code: string; message: string } }[] = []
    let waiting: ((m: (typeof replies)[number]) => void) | null = null
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (!('event' in m)) waiting?.(m)
    })
    const started = Date.now()
    const N = 5000
    const errors = console.error
    const logged: unknown[] = []
    console.error = (...a: unknown[]) => void logged.push(a) // internal errors would be logged here
    try {
      for (let i = 0; i < N; i++) {
        const message = next()
        const reply = await new Promise<(typeof replies)[number]>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer to message ${i} (FUZZ_SEED=${seed}): ${String(message).slice(0, 200)}`)), 5000)
          waiting = (m) => (clearTimeout(timer), resolve(m))
          ws.send(message)
        })
        replies.push(reply)
      }
    } finally {
      console.error = errors
    }
    const elapsed = Date.now() - started
    const errorCodes = replies.filter((r) => r.error).map((r) => r.error!.code)
    console.log(`fuzz (FUZZ_SEED=${seed}): ${N} messages, ${errorCodes.length} errors, ${N - errorCodes.length} valid, ${elapsed} ms`)
    expect(replies).toHaveLength(N)
    expect(errorCodes.filter((c) => !['bad-request', 'not-found', 'conflict'].includes(c))).toEqual([])
    expect(logged).toEqual([])
    expect(
      replies.filter((r) => r.error && (r.error.message.length >= 2000 || /\n\s+at /.test(r.error.message))).map((r) => r.error!.message.slice(0, 300)),
    ).toEqual([])
    expect(errorCodes.length).toBeGreaterThan(N * 0.8)
    expect(elapsed).toBeLessThan(60_000)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    ws.close()
    // Still up, and still correct.
    const again = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)
    await new Promise((resolve) => again.once('open', resolve))
    const reply = await new Promise<{ result: { version: string } }>((resolve) => {
      again.on('message', (d) => {
        const m = JSON.parse(d.toString())
        if (m.id === 1) resolve(m)
      })
      again.send(JSON.stringify({ id: 1, method: 'system.info', params: {} }))
    })
    expect(reply.result.version).toBeTruthy()
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
    again.close()
  })
})
