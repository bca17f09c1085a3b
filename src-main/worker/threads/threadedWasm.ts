/**
 * Multi-threaded wasm (XNNPACK's thread pool) under Node.
 *
 * tfjs-backend-wasm 4.22 ships the threaded SIMD binary but never uses it in Node, and three
 * things stand in the way there:
 *  1. its multithread flag is hard-wired false under Node (flag override below);
 *  2. it hands emscripten's pthread workers `blob:` URLs, for the worker script and for the
 *     module factory, which Node's Worker and the worker's readFileSync cannot open. We record
 *     the Blob contents while the backend initialises and hand out real files instead; the
 *     factory is the bundle's function source and refers to the bundle's `require$$N` module
 *     variables, so the file gets a prelude defining them;
 *  3. the native side caps the pool at half of os.cpus() (assuming hyper-threads), i.e. one
 *     thread on a 2-core machine; os.cpus() is widened while the module starts.
 * All patches are process-global and undone as soon as initialisation ends. Anything unexpected
 * (other tfjs version, bundle layout, no SharedArrayBuffer, a slow or failed start) leaves the
 * caller on the single-threaded binary.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { join } from 'node:path'

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm')

/** The tfjs-backend-wasm build these patches were written and tested against. */
const PINNED_VERSION = '4.22.0'
const INIT_TIMEOUT_MS = 30_000

export interface WasmThreadsState {
  requested: number
  /** threads XNNPACK actually runs with (1 when threading is off or failed) */
  threads: number
  reason?: string
}

let state: WasmThreadsState = { requested: 1, threads: 1, reason: 'not initialised' }

export function wasmThreadsState(): WasmThreadsState {
  return { ...state }
}

/** Threads to ask for, from `requested` (SPLINE_LAB_WASM_THREADS, read by the caller through
 * settings: this file imports nothing of ours, so it also runs alone in a thread): 0/1 = off, at
 * most 8 (the size of the worker pool the threaded binary pre-spawns). On a machine whose cores
 * are busy with other work, threads lose (see docs/performance.md). */
export function wantedWasmThreads(requested: number | undefined): number {
  // Opt-in for now: a start that failed on purpose (broken factory prelude) crashed a test worker
  // once, because the other pool workers' errors arrived after the start was abandoned and went
  // to emscripten's rethrowing handler. They are swallowed now (see GuardedWorker); default to
  // os.availableParallelism() once that has held up.
  const n = requested ?? 1
  return Number.isFinite(n) ? Math.max(1, Math.min(8, Math.floor(n))) : 1
}

/** Why threads cannot be tried here, or null. */
function blocker(wasm: WasmModule, count: number, sharedMemory: boolean): string | null {
  if (count < 2 && !sharedMemory) return 'one thread requested'
  if (wasm.version_wasm !== PINNED_VERSION) return `untested tfjs-backend-wasm ${wasm.version_wasm}`
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer'
  if (typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function') return 'no Blob/URL'
  return null
}

/** `var require$$0 = require('fs');`… from the bundle's head, which the factory source needs. */
function factoryPrelude(): string {
  const req = createRequire(import.meta.url)
  const head = readFileSync(req.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8').slice(0, 8000)
  const vars = [...head.matchAll(/^var (require\$\$\d+) = require\('([\w:/-]+)'\);$/gm)]
  if (vars.length === 0) throw new Error('unexpected tfjs-backend-wasm bundle layout')
  return vars.map((m) => `var ${m[1]} = require(${JSON.stringify(m[2])});`).join('') + 'var commonjsGlobal = globalThis;\n'
}

interface Patch {
  /** removes the patches; `started` says whether the pool came up (see GuardedWorker) */
  restore(started: boolean): void
  /** rejects with the first error a pthread worker reports while the module starts */
  failed: Promise<never>
  /** pthread workers created while patched, to terminate if the start fails */
  workers: { terminate(): unknown }[]
}

/** Installs the patches; `restore` removes them. */
function patch(count: number, prelude: string): Patch {
  const req = createRequire(import.meta.url)
  // Read only while the pool's workers load, all of them during initialisation (the pool is
  // pre-spawned at its maximum size, 8), so the files go when it ends.
  const dir = mkdtempSync(join(os.tmpdir(), 'spline-lab-wasm-'))
  const mainScript = join(dir, 'factory.cjs')
  // The worker reads the factory from the path in its 'load' message; swap the Blob for ours.
  const workerShim =
    "const __wt=require('worker_threads');const __on=__wt.parentPort.on.bind(__wt.parentPort);" +
    "__wt.parentPort.on=(ev,fn)=>__on(ev,ev!=='message'?fn:(d)=>{if(d&&d.cmd==='load'&&" +
    `typeof d.urlOrBlob!=='string')d.urlOrBlob=${JSON.stringify(mainScript)};fn(d)});\n`
  const contents = new WeakMap<Blob, string>()
  const files = new Map<string, string>()
  const RealBlob = globalThis.Blob
  const realCreate = URL.createObjectURL
  const realCpus = os.cpus
  const wt = req('node:worker_threads') as typeof import('node:worker_threads')
  const RealWorker = wt.Worker
  const workers: { terminate(): unknown }[] = []
  // 'failed' stays: the other pool workers of a failed start report the same error later,
  // after their terminate() was asked for, and each would otherwise still reach emscripten.
  let phase: 'starting' | 'started' | 'failed' = 'starting'
  let fail: (err: unknown) => void = () => {}
  const failed = new Promise<never>((_, reject) => {
    fail = reject
  })
  failed.catch(() => {}) // observed by the race in initWasmWithThreads, or not at all
  class RecordingBlob extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args)
      const parts = args[0]
      const text = (parts ?? []).every((p) => typeof p === 'string') ? (parts as string[]).join('') : null
      if (text === null) return
      contents.set(this, text)
      if (text.startsWith('var WasmBackendModuleThreadedSimd')) writeFileSync(mainScript, prelude + text)
    }
  }
  // Emscripten rethrows a worker's error from its onerror handler, which kills the whole process
  // (the trainer, here). While starting, and for ever from a start that failed, turn that into a
  // failed start; after a good start keep its behaviour (a dead pool thread would otherwise leave
  // the main thread waiting for ever).
  class GuardedWorker extends RealWorker {
    #onerror: ((e: unknown) => void) | undefined
    constructor(...args: ConstructorParameters<typeof RealWorker>) {
      super(...args)
      workers.push(this)
    }
    get onerror(): ((e: unknown) => void) | undefined {
      return this.#onerror
    }
    set onerror(fn: ((e: unknown) => void) | undefined) {
      this.#onerror = (e) => {
        if (phase === 'started') return fn?.(e)
        fail(e)
      }
    }
  }
  globalThis.Blob = RecordingBlob
  URL.createObjectURL = (obj: Blob): string => {
    const text = obj instanceof RealBlob ? contents.get(obj) : undefined
    if (text === undefined) return realCreate(obj)
    let file = files.get(text)
    if (file === undefined) {
      file = join(dir, `worker${files.size}.cjs`)
      writeFileSync(file, workerShim + text)
      files.set(text, file)
    }
    return file
  }
  os.cpus = () => {
    const cpus = realCpus()
    return Array.from({ length: Math.max(cpus.length, 2 * count) }, (_, i) => cpus[i % cpus.length]!)
  }
  wt.Worker = GuardedWorker
  return {
    failed,
    workers,
    restore(started) {
      phase = started ? 'started' : 'failed'
      globalThis.Blob = RealBlob
      URL.createObjectURL = realCreate
      os.cpus = realCpus
      wt.Worker = RealWorker
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Emscripten refs the worker of every running pthread, and the pool's threads run forever, so
 * a process (or trainer worker) that used threads would never exit on its own. They only ever
 * wait for work that the main thread hands them, so letting them not hold the process is safe. */
function unrefPoolThreads(): void {
  for (const w of pthreads()?.runningWorkers ?? []) w.unref?.()
}

type PoolWorker = { unref?: () => void; terminate?: () => unknown }

function pthreads(): { runningWorkers?: PoolWorker[]; unusedWorkers?: PoolWorker[] } | undefined {
  return (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers?: PoolWorker[]; unusedWorkers?: PoolWorker[] } } }).wasm?.PThread
}

/**
 * With one XNNPACK thread nothing ever starts a pthread (pthreadpool computes a one-thread pool on
 * the caller), yet the binary pre-spawns 8 workers, ≈ 75 MB: end the unused ones. Should a pthread
 * be asked for after all, emscripten would spawn a fresh worker, which our patches no longer cover
 * outside initialisation; none is, and tests check the pool stays empty.
 */
function endUnusedPoolThreads(): void {
  for (const w of pthreads()?.unusedWorkers?.splice(0) ?? []) void w.terminate?.()
}

export interface InitOptions {
  timeoutMs?: number
  /** replaces the bundle-derived prelude of the factory file (tests break it on purpose) */
  factoryPrelude?: string
  /** start the threaded binary even for one XNNPACK thread: its memory is shared, so our own
   * dense products can run on helper threads (helperPool.ts) */
  sharedMemory?: boolean
}

/**
 * Initialises the wasm backend with `count` XNNPACK threads and makes it current. Returns the state;
 * on any failure the backend is left uninitialised with threading switched off, so the next
 * tf.setBackend('wasm') starts the single-threaded binary.
 */
export async function initWasmWithThreads(wasm: WasmModule, count: number, options: InitOptions = {}): Promise<WasmThreadsState> {
  const why = blocker(wasm, count, options.sharedMemory === true)
  if (why !== null) return (state = { requested: count, threads: 1, reason: why })
  let p: Patch | null = null
  let timer: NodeJS.Timeout | undefined
  let started = false
  try {
    p = patch(count, options.factoryPrelude ?? factoryPrelude())
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true)
    wasm.setThreadsCount(count)
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), options.timeoutMs ?? INIT_TIMEOUT_MS)
    })
    const ok = await Promise.race([tf.setBackend('wasm'), timeout, p.failed])
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('threaded wasm did not start in time')
    const threads = wasm.getThreadsCount()
    started = true
    unrefPoolThreads()
    if (threads === 1) endUnusedPoolThreads()
    state = { requested: count, threads, ...(threads < count ? { reason: `pool capped at ${threads}` } : {}) }
  } catch (err) {
    for (const w of p?.workers ?? []) void w.terminate()
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
    wasm.setThreadsCount(1)
    const msg = err instanceof Error ? err.message : String(err)
    state = { requested: count, threads: 1, reason: `threaded start failed: ${msg.split('\n')[0]}` }
  } finally {
    clearTimeout(timer)
    p?.restore(started)
  }
  return state
}
