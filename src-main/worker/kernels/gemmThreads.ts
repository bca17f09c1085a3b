/**
 * More cores for our kernels (simd/gemm.wat's products and transposes, simd/sgd.wat's update)
 * without XNNPACK's thread pool.
 *
 * Helper threads instantiate the same modules on the wasm backend's memory, which is shared when
 * tfjs runs its threaded binary (kernels/wasmThreads.ts starts it with one XNNPACK thread for
 * exactly this). A job is cut into chunks (a product's columns, a transpose's rows, the update's
 * elements) that the calling thread and the helpers claim as they come free; the caller then
 * waits with Atomics for the chunks still running. Every element is computed by the same code
 * whatever the split: results are bit-identical for any thread count.
 *
 * Why not XNNPACK's own pool: it re-packs the weights on every call (they change every step),
 * and its threads spin between calls for as long as the process lives. Ours spin briefly after a
 * job, then sleep (Atomics.wait), and only jobs large enough to pay are split.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { gemmSimd, sgdSimd, sharedKernelParts, type Memory } from './simd'
import { setting, type Env } from '../../settings/settings'

/** Below this much work (multiply-adds, or elements moved × 8; ≈ 0.1 ms of one core) a job
 * runs on the calling thread alone. */
const MIN_SPLIT_WORK = 2_000_000
/** A helper spins this long for the next job before it sleeps: waking a sleeping thread takes
 * 0.1–2 ms on a virtual machine's idle core, as long as a whole product, and most jobs of a
 * training step follow each other within it. Longer spins buy nothing on idle cores and cost
 * the caller its core when another process is busy (mlp, one core busy: 3,700 samples/s with
 * 2 ms, 4,600 with 0.5 ms; 5,100 on one thread). */
const SPIN_MS = 0.5
/** A helper that has not answered in this long is taken for dead, and the run fails with why. */
const ANSWER_TIMEOUT_MS = 60_000
const MAX_THREADS = 8

// One control block per pool, shared by the caller and every helper (Int32 slots): the job's
// sequence number (negative: stop), the chunk counter (sequence << 16 | next chunk, claimed by
// compare-and-swap so that a helper late for a finished job can never claim a chunk of the next),
// chunks done, the chunk count and size, the operation, its integer arguments, then Float32
// slots for float arguments. Bands are handed out as chunks to whoever is free: a helper that
// wakes late (or whose core is busy) costs nothing, the others take its chunks.
const SEQ = 0
const NEXT = 1
const DONE = 2
const CHUNKS = 3
const CHUNK = 4
const TOTAL = 5
const OP = 6
const ARGS = 7
const FARGS = 24
const OPS = { gemmTN: 0, transpose: 1, sgdMomentum: 2 } as const
/** Chunks per thread: enough to even out a late start, few enough to keep each worth a call. */
const CHUNKS_PER_THREAD = 4

// Runs as `eval` code in the helper: plain CommonJS, no bundle needed. work(op, lo, hi) must do
// what the `local` band of the same job below does.
const HELPER = `
const { workerData } = require('node:worker_threads')
const { memory, gemm, sgd, ctrl } = workerData
const g = new WebAssembly.Instance(gemm, { env: { memory } }).exports
const s = new WebAssembly.Instance(sgd, { env: { memory } }).exports
const f = new Float32Array(ctrl.buffer)
const a = (i) => ctrl[${ARGS} + i]
function work(op, lo, hi) {
  if (op === ${OPS.gemmTN}) g.gemmTN(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), lo, hi)
  else if (op === ${OPS.transpose}) g.transpose(a(0) + lo * a(3) * 4, a(1) + lo * 4, hi - lo, a(3), a(2))
  else s.sgdMomentum(a(0) + lo * 4, a(1) + lo * 4, a(2) + lo * 4, a(3) + lo * 4, a(4) + lo * 4, hi - lo, f[${FARGS}], f[${FARGS + 1}], f[${FARGS + 2}])
}
let seen = 0
for (;;) {
  let job = Atomics.load(ctrl, ${SEQ})
  const until = performance.now() + ${SPIN_MS}
  while (job === seen) {
    for (let spin = 0; job === seen && spin < 1000; spin++) job = Atomics.load(ctrl, ${SEQ})
    if (performance.now() > until) break
  }
  if (job === seen) { Atomics.wait(ctrl, ${SEQ}, seen); continue }
  if (job < 0) break
  seen = job
  for (;;) {
    const v = Atomics.load(ctrl, ${NEXT})
    const c = v & 0xffff
    if (v >>> 16 !== (job & 0x7fff) || c >= ctrl[${CHUNKS}]) break
    if (Atomics.compareExchange(ctrl, ${NEXT}, v, v + 1) !== v) continue
    const size = ctrl[${CHUNK}]
    work(ctrl[${OP}], c * size, Math.min(ctrl[${TOTAL}], (c + 1) * size))
    Atomics.add(ctrl, ${DONE}, 1)
    Atomics.notify(ctrl, ${DONE})
  }
}
`

interface Pool {
  helpers: Worker[]
  ctrl: Int32Array
  floats: Float32Array
  seq: number
  /** why the helpers are gone (a helper exited or failed); the pool is not used again */
  broken: string | null
}

const pools = new WeakMap<Memory, Pool>()
let wanted = 1

/** Products run on our kernel since start, how many of them were split, and how many jobs of any
 * kind (products, transposes, updates) were split (tests, profiles). */
export const gemmStats = { products: 0, splits: 0, jobSplits: 0 }

/**
 * Threads for one of our jobs, this thread included: SPLINE_LAB_GEMM_THREADS if set, else all
 * cores (at most 8). Set it to 1 where other work shares the cores.
 */
export function wantedGemmThreads(env?: Env): number {
  const n = setting('gemmThreads', env) ?? os.availableParallelism()
  return Number.isFinite(n) ? Math.max(1, Math.min(MAX_THREADS, Math.floor(n))) : 1
}

/** Sets the threads our jobs may use from now on (1: the calling thread only). The
 * data-parallel step lowers it while its replicas hold the other cores. */
export function setGemmThreads(n: number): void {
  wanted = Math.max(1, Math.min(MAX_THREADS, Math.floor(n)))
}

export function gemmThreads(): number {
  return wanted
}

/** Threads a large job on this backend would use now: 1 unless its memory is shared. */
export function effectiveGemmThreads(backend: BackendWasm): number {
  if (wanted === 1) return 1
  const parts = sharedKernelParts(backend)
  if (parts === null || pools.get(parts.memory)?.broken) return 1
  return wanted
}

function poolFor(backend: BackendWasm): Pool | null {
  const parts = sharedKernelParts(backend)
  if (parts === null) return null
  let pool = pools.get(parts.memory)
  if (pool === undefined) {
    const ctrl = new Int32Array(new SharedArrayBuffer(32 * 4))
    pools.set(parts.memory, (pool = { helpers: [], ctrl, floats: new Float32Array(ctrl.buffer), seq: 0, broken: null }))
  }
  if (pool.broken !== null) return null
  while (pool.helpers.length < wanted - 1) pool.helpers.push(startHelper(parts, pool))
  // Fewer wanted than running: between jobs no helper holds a chunk, so the extra ones can go.
  while (pool.helpers.length > wanted - 1) retire(pool.helpers.pop()!)
  return pool
}

function startHelper(parts: { memory: Memory; gemm: object; sgd: object }, pool: Pool): Worker {
  const worker = new Worker(HELPER, { eval: true, workerData: { ...parts, ctrl: pool.ctrl } })
  // A helper never holds the process open: it only ever waits for work the caller hands it.
  worker.unref()
  const lost = (why: string): void => {
    pool.broken ??= why
  }
  worker.on('error', (err) => lost(`a kernel helper thread failed: ${err instanceof Error ? err.message : String(err)}`))
  worker.on('exit', (code) => {
    if (!retired.has(worker)) lost(`a kernel helper thread exited (code ${code})`)
  })
  return worker
}

const retired = new WeakSet<Worker>()

function retire(worker: Worker): void {
  retired.add(worker)
  void worker.terminate()
}

interface Job {
  op: (typeof OPS)[keyof typeof OPS]
  /** the range to split; chunk edges fall on multiples of `align` */
  total: number
  align: number
  work: number
  /** integer and float arguments, as the helper's work() reads them */
  args: number[]
  floats?: number[]
  /** the same band [lo, hi) on this thread */
  local(lo: number, hi: number): void
}

/** Runs a job in chunks shared with the helpers (or all here when it is small or there are
 * none); returns whether it was split. */
function run(backend: BackendWasm, job: Job): boolean {
  const pool = wanted > 1 && job.work >= MIN_SPLIT_WORK ? poolFor(backend) : null
  const threads = pool === null ? 1 : 1 + pool.helpers.length
  const units = Math.ceil(job.total / job.align)
  const chunk = job.align * Math.max(1, Math.ceil(units / (threads * CHUNKS_PER_THREAD)))
  const chunks = Math.ceil(job.total / chunk)
  if (pool === null || chunks < 2) {
    job.local(0, job.total)
    return false
  }
  const { ctrl } = pool
  const seq = (pool.seq = (pool.seq % 0x7fff) + 1)
  ctrl[OP] = job.op
  ctrl.set(job.args, ARGS)
  if (job.floats) pool.floats.set(job.floats, FARGS)
  ctrl[CHUNKS] = chunks
  ctrl[CHUNK] = chunk
  ctrl[TOTAL] = job.total
  Atomics.store(ctrl, DONE, 0)
  Atomics.store(ctrl, NEXT, seq << 16)
  Atomics.store(ctrl, SEQ, seq)
  Atomics.notify(ctrl, SEQ)
  for (;;) {
    const v = Atomics.load(ctrl, NEXT)
    const c = v & 0xffff
    if (c >= chunks) break
    if (Atomics.compareExchange(ctrl, NEXT, v, v + 1) !== v) continue
    job.local(c * chunk, Math.min(job.total, (c + 1) * chunk))
    Atomics.add(ctrl, DONE, 1)
  }
  waitDone(ctrl, chunks)
  gemmStats.jobSplits++
  return true
}

/** Waits until every chunk is done (the helpers' last ones may still be running). */
function waitDone(ctrl: Int32Array, chunks: number): void {
  for (let spin = 0; spin < 200_000; spin++) if (Atomics.load(ctrl, DONE) === chunks) return
  const deadline = performance.now() + ANSWER_TIMEOUT_MS
  for (let done = Atomics.load(ctrl, DONE); done !== chunks; done = Atomics.load(ctrl, DONE)) {
    if (performance.now() > deadline) {
      throw new Error(
        `a kernel helper thread did not finish its part within ${ANSWER_TIMEOUT_MS / 1000} s (set SPLINE_LAB_GEMM_THREADS=1 to train without helpers)`,
      )
    }
    Atomics.wait(ctrl, DONE, done, 100)
  }
}

/**
 * C = Aᵀ·B (simd/gemm.wat's gemmTN, byte pointers and strides) over columns 0..N, in bands of
 * columns over the helpers. Returns false where the SIMD module is not available.
 */
export function gemmTN(backend: BackendWasm, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, N: number): boolean {
  const simd = gemmSimd(backend)
  if (simd === null) return false
  const split = run(backend, {
    op: OPS.gemmTN,
    total: N,
    align: 8,
    work: M * K * N,
    args: [a, lda, b, ldb, c, ldc, M, K],
    local: (lo, hi) => simd.gemmTN(a, lda, b, ldb, c, ldc, M, K, lo, hi),
  })
  gemmStats.products++
  if (split) gemmStats.splits++
  return true
}

/** dst [C×R] = srcᵀ (byte pointers), in bands of src's rows. False without the SIMD module. */
export function transpose(backend: BackendWasm, src: number, dst: number, R: number, C: number): boolean {
  const simd = gemmSimd(backend)
  if (simd === null) return false
  run(backend, {
    op: OPS.transpose,
    total: R,
    align: 4,
    work: R * C * 8,
    args: [src, dst, R, C],
    local: (lo, hi) => simd.transpose(src + lo * C * 4, dst + lo * 4, hi - lo, C, R),
  })
  return true
}

/** simd/sgd.wat's update over n elements (a multiple of 4), in bands. False without the module. */
export function sgdMomentum(
  backend: BackendWasm,
  theta: number,
  v: number,
  g: number,
  outTheta: number,
  outV: number,
  n: number,
  lr: number,
  mu: number,
  wd: number,
): boolean {
  const simd = sgdSimd(backend)
  if (simd === null) return false
  const at = (p: number, lo: number): number => p + lo * 4
  run(backend, {
    op: OPS.sgdMomentum,
    total: n,
    align: 4,
    work: n * 8,
    args: [theta, v, g, outTheta, outV],
    floats: [lr, mu, wd],
    local: (lo, hi) => simd.sgdMomentum(at(theta, lo), at(v, lo), at(g, lo), at(outTheta, lo), at(outV, lo), hi - lo, lr, mu, wd),
  })
  return true
}

/** Stops the helpers of this backend's memory (tests; a process that exits needs nothing). */
export async function closeGemmThreads(backend: BackendWasm): Promise<void> {
  const parts = sharedKernelParts(backend)
  const pool = parts === null ? undefined : pools.get(parts.memory)
  if (pool === undefined) return
  pools.delete(parts!.memory)
  Atomics.store(pool.ctrl, SEQ, -1)
  Atomics.notify(pool.ctrl, SEQ)
  for (const h of pool.helpers) retired.add(h)
  await Promise.all(pool.helpers.map((h) => h.terminate()))
}
