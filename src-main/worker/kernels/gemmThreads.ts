/**
 * More cores for our dense products (simd/gemm.wat) without XNNPACK's thread pool.
 *
 * Helper threads instantiate the same module on the wasm backend's memory, which is shared when
 * tfjs runs its threaded binary (kernels/wasmThreads.ts starts it with one XNNPACK thread for
 * exactly this). A product is split by columns: the calling thread computes the first part,
 * each helper one of the others, and the caller waits for them with Atomics. Every element is
 * summed in the same order whatever the split, so results are bit-identical for any thread count.
 *
 * Why not XNNPACK's own pool: it re-packs the weights on every call (they change every step),
 * and its threads spin between calls, which costs dearly when another process shares the cores.
 * Ours sleep (Atomics.wait) after a short spin, and only products large enough to pay are split.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { gemmSimd, sharedGemmParts, type Memory } from './simd'

/** Below this many multiply-adds a product runs on the calling thread alone (a split costs a wake-up, ≈ 5–50 µs). */
const MIN_SPLIT_MACS = 262_144
/** A helper that has not answered in this long is taken for dead, and the run fails with why. */
const ANSWER_TIMEOUT_MS = 60_000
const MAX_THREADS = 8

// Control block per helper (Int32 slots): the job's sequence number (negative: stop), the last
// one done, then the gemmTN arguments.
const SEQ = 0
const DONE = 1
const ARGS = 2

// Runs as `eval` code in the helper: plain CommonJS, no bundle needed.
const HELPER = `
const { workerData } = require('node:worker_threads')
const { module, memory, ctrl } = workerData
const g = new WebAssembly.Instance(module, { env: { memory } }).exports
let seen = 0
for (;;) {
  let job = Atomics.load(ctrl, ${SEQ})
  for (let spin = 0; job === seen && spin < 20000; spin++) job = Atomics.load(ctrl, ${SEQ})
  if (job === seen) { Atomics.wait(ctrl, ${SEQ}, seen); continue }
  if (job < 0) break
  seen = job
  g.gemmTN(ctrl[${ARGS}], ctrl[${ARGS + 1}], ctrl[${ARGS + 2}], ctrl[${ARGS + 3}], ctrl[${ARGS + 4}],
    ctrl[${ARGS + 5}], ctrl[${ARGS + 6}], ctrl[${ARGS + 7}], ctrl[${ARGS + 8}], ctrl[${ARGS + 9}])
  Atomics.store(ctrl, ${DONE}, seen)
  Atomics.notify(ctrl, ${DONE})
}
`

interface Helper {
  worker: Worker
  ctrl: Int32Array
  seq: number
}

interface Pool {
  helpers: Helper[]
  /** why the helpers are gone (a helper exited or failed); the pool is not used again */
  broken: string | null
}

const pools = new WeakMap<Memory, Pool>()
let wanted = 1

/** Products run on our kernel since start, and how many of them were split (tests, profiles). */
export const gemmStats = { products: 0, splits: 0 }

/**
 * Threads for one dense product, this thread included: SPLINE_LAB_GEMM_THREADS if set, else all
 * cores (at most 8). Set it to 1 where other work shares the cores.
 */
export function wantedGemmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SPLINE_LAB_GEMM_THREADS
  const n = raw !== undefined && raw !== '' ? Number(raw) : os.availableParallelism()
  return Number.isFinite(n) ? Math.max(1, Math.min(MAX_THREADS, Math.floor(n))) : 1
}

/** Sets the threads our dense products may use from now on (1: the calling thread only). The
 * data-parallel step lowers it while its replicas hold the other cores. */
export function setGemmThreads(n: number): void {
  wanted = Math.max(1, Math.min(MAX_THREADS, Math.floor(n)))
}

export function gemmThreads(): number {
  return wanted
}

/** Threads a large product on this backend would use now: 1 unless its memory is shared. */
export function effectiveGemmThreads(backend: BackendWasm): number {
  if (wanted === 1) return 1
  const parts = sharedGemmParts(backend)
  if (parts === null || pools.get(parts.memory)?.broken) return 1
  return wanted
}

function poolFor(backend: BackendWasm): Pool | null {
  const parts = sharedGemmParts(backend)
  if (parts === null) return null
  let pool = pools.get(parts.memory)
  if (pool === undefined) pools.set(parts.memory, (pool = { helpers: [], broken: null }))
  if (pool.broken !== null) return null
  while (pool.helpers.length < wanted - 1) pool.helpers.push(startHelper(parts.module, parts.memory, pool))
  return pool
}

function startHelper(module: object, memory: Memory, pool: Pool): Helper {
  const ctrl = new Int32Array(new SharedArrayBuffer(16 * 4))
  const worker = new Worker(HELPER, { eval: true, workerData: { module, memory, ctrl } })
  // A helper never holds the process open: it only ever waits for work the caller hands it.
  worker.unref()
  const lost = (why: string): void => {
    pool.broken ??= why
  }
  worker.on('error', (err) => lost(`a GEMM helper thread failed: ${err instanceof Error ? err.message : String(err)}`))
  worker.on('exit', (code) => lost(`a GEMM helper thread exited (code ${code})`))
  return { worker, ctrl, seq: 0 }
}

/**
 * C = Aᵀ·B (gemmTN's arguments, byte pointers) over columns 0..N, split across the helpers when
 * the product is large enough. Returns false where the SIMD module is not available.
 */
export function gemmTN(
  backend: BackendWasm, a: number, lda: number, b: number, ldb: number, c: number, ldc: number,
  M: number, K: number, N: number,
): boolean {
  const simd = gemmSimd(backend)
  if (simd === null) return false
  const pool = wanted > 1 && M * K * N >= MIN_SPLIT_MACS ? poolFor(backend) : null
  const parts = pool === null ? 1 : Math.min(1 + pool.helpers.length, Math.max(1, N >> 3))
  gemmStats.products++
  if (parts === 1) {
    simd.gemmTN(a, lda, b, ldb, c, ldc, M, K, 0, N)
    return true
  }
  // Column bounds in multiples of 8 (the kernel's panel width), the remainder with the last part.
  const bound = (p: number): number => (p === parts ? N : Math.round((N * p) / parts / 8) * 8)
  gemmStats.splits++
  const used = pool!.helpers.slice(0, parts - 1)
  used.forEach((h, i) => {
    h.ctrl.set([a, lda, b, ldb, c, ldc, M, K, bound(i + 1), bound(i + 2)], ARGS)
    Atomics.store(h.ctrl, SEQ, ++h.seq)
    Atomics.notify(h.ctrl, SEQ)
  })
  simd.gemmTN(a, lda, b, ldb, c, ldc, M, K, 0, bound(1))
  for (const h of used) waitFor(h)
  return true
}

function waitFor(h: Helper): void {
  for (let spin = 0; spin < 200_000; spin++) if (Atomics.load(h.ctrl, DONE) === h.seq) return
  const deadline = performance.now() + ANSWER_TIMEOUT_MS
  while (Atomics.load(h.ctrl, DONE) !== h.seq) {
    if (performance.now() > deadline) {
      throw new Error(`a GEMM helper thread did not answer within ${ANSWER_TIMEOUT_MS / 1000} s (set SPLINE_LAB_GEMM_THREADS=1 to train without helpers)`)
    }
    Atomics.wait(h.ctrl, DONE, h.seq - 1, 100)
  }
}

/** Stops the helpers of this backend's memory (tests; a process that exits needs nothing). */
export async function closeGemmThreads(backend: BackendWasm): Promise<void> {
  const parts = sharedGemmParts(backend)
  const pool = parts === null ? undefined : pools.get(parts.memory)
  if (pool === undefined) return
  pools.delete(parts!.memory)
  await Promise.all(pool.helpers.map(async (h) => {
    Atomics.store(h.ctrl, SEQ, -1)
    Atomics.notify(h.ctrl, SEQ)
    await h.worker.terminate()
  }))
}
