/**
 * More cores for our kernels (gemm.wat's products and transposes, sgd.wat's update) without
 * XNNPACK's thread pool.
 *
 * Helper threads (kernelHelper.ts, a bundled worker entry) instantiate the same modules on the
 * wasm backend's memory, which is shared when tfjs runs its threaded binary (threadedWasm.ts
 * starts it with one XNNPACK thread for exactly this). A job is cut into chunks (a product's
 * columns, a transpose's rows, the update's elements) that the calling thread and the helpers
 * claim as they come free, all through dispatch.ts; the caller then waits with Atomics for the
 * chunks still running. Every element is computed by the same code whatever the split: results
 * are bit-identical for any thread count.
 *
 * Why not XNNPACK's own pool: it re-packs the weights on every call (they change every step),
 * and its threads spin between calls for as long as the process lives. Ours spin briefly after a
 * job, then sleep (Atomics.wait), and only jobs large enough to pay are split.
 */
import { setting, type Env } from '../../settings/settings'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { existsSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { gemmSimd, sgdSimd, sharedKernelParts, type Memory, type SharedKernelParts } from '../backends/wasm/kernels/simd'
import { claimChunks, DONE, LAYOUT, newControl, OPS, runBand, SEQ, writeJob, type BandKernels, type Control, type HelperData, type Op } from './dispatch'

/** Below this much work (multiply-adds, or elements moved × 8; ≈ 0.1 ms of one core) a job
 * runs on the calling thread alone. */
const MIN_SPLIT_WORK = 2_000_000
/** A helper that has not answered in this long is taken for dead, and the run fails with why. */
const ANSWER_TIMEOUT_MS = 60_000
const MAX_THREADS = 8
/** Chunks per thread: enough to even out a late start, few enough to keep each worth a call. */
const CHUNKS_PER_THREAD = 4

interface Pool {
  helpers: Worker[]
  control: Control
  seq: number
  /** why the helpers are gone (a helper exited or failed, no helper bundle); the pool is not used again */
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

let helperPath: string | null | undefined

/** The built helper entry (kernelHelper.ts): next to this bundle or one folder up (the trainer's
 * chunks, the bench), or in out/main from the sources; null when none is built. */
export function kernelHelperPath(): string | null {
  if (helperPath !== undefined) return helperPath
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'kernelHelper.js'), join(here, '../kernelHelper.js'), resolve(here, '../../../out/main/kernelHelper.js')]
  return (helperPath = candidates.find((p) => existsSync(p)) ?? null)
}

function poolFor(backend: BackendWasm): Pool | null {
  const parts = sharedKernelParts(backend)
  if (parts === null) return null
  let pool = pools.get(parts.memory)
  if (pool === undefined) pools.set(parts.memory, (pool = { helpers: [], control: newControl(), seq: 0, broken: null }))
  if (pool.broken !== null) return null
  while (pool.helpers.length < wanted - 1) {
    const helper = startHelper(parts, pool)
    if (helper === null) return null
    pool.helpers.push(helper)
  }
  // Fewer wanted than running: between jobs no helper holds a chunk, so the extra ones can go.
  while (pool.helpers.length > wanted - 1) retire(pool.helpers.pop()!)
  return pool
}

function startHelper(parts: SharedKernelParts, pool: Pool): Worker | null {
  const lost = (why: string): void => {
    pool.broken ??= why
  }
  const entry = kernelHelperPath()
  if (entry === null) {
    lost("the kernel helper bundle (kernelHelper.js) is not built; run 'npm run build'")
    console.warn(`[kernels] ${pool.broken}: dense products run on this thread alone`)
    for (const h of pool.helpers.splice(0)) retire(h)
    return null
  }
  const workerData: HelperData = { ...parts, ctrl: pool.control.ctrl, layout: LAYOUT }
  const worker = new Worker(entry, { workerData })
  // A helper never holds the process open: it only ever waits for work the caller hands it.
  worker.unref()
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
  op: Op
  /** the range to split; chunk edges fall on multiples of `align` */
  total: number
  align: number
  work: number
  /** integer and float arguments, as dispatch.ts's runBand reads them */
  args: number[]
  floats?: number[]
}

const NO_FLOATS: number[] = []

/** Runs a job in chunks shared with the helpers (or all here when it is small or there are
 * none); returns whether it was split. */
function run(backend: BackendWasm, kernels: BandKernels, job: Job): boolean {
  const pool = wanted > 1 && job.work >= MIN_SPLIT_WORK ? poolFor(backend) : null
  const threads = pool === null ? 1 : 1 + pool.helpers.length
  const units = Math.ceil(job.total / job.align)
  const chunk = job.align * Math.max(1, Math.ceil(units / (threads * CHUNKS_PER_THREAD)))
  const chunks = Math.ceil(job.total / chunk)
  if (pool === null || chunks < 2) {
    runBand(kernels, job.op, job.args, job.floats ?? NO_FLOATS, 0, job.total)
    return false
  }
  const { control } = pool
  const seq = (pool.seq = (pool.seq % 0x7fff) + 1)
  writeJob(control, seq, job.op, job.args, job.floats, chunks, chunk, job.total)
  Atomics.store(control.ctrl, SEQ, seq)
  Atomics.notify(control.ctrl, SEQ)
  claimChunks(control, seq, kernels)
  waitDone(control.ctrl, chunks)
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
 * C = Aᵀ·B (gemm.wat's gemmTN, byte pointers and strides) over columns 0..N, in bands of
 * columns over the helpers. Returns false where the SIMD module is not available.
 */
export function gemmTN(backend: BackendWasm, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, N: number): boolean {
  const gemm = gemmSimd(backend)
  if (gemm === null) return false
  const split = run(backend, { gemm, sgd: null }, { op: OPS.gemmTN, total: N, align: 8, work: M * K * N, args: [a, lda, b, ldb, c, ldc, M, K] })
  gemmStats.products++
  if (split) gemmStats.splits++
  return true
}

/** dst [C×R] = srcᵀ (byte pointers), in bands of src's rows. False without the SIMD module. */
export function transpose(backend: BackendWasm, src: number, dst: number, R: number, C: number): boolean {
  const gemm = gemmSimd(backend)
  if (gemm === null) return false
  run(backend, { gemm, sgd: null }, { op: OPS.transpose, total: R, align: 4, work: R * C * 8, args: [src, dst, R, C] })
  return true
}

/** sgd.wat's update over n elements (a multiple of 4), in bands. False without the module. */
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
  const sgd = sgdSimd(backend)
  if (sgd === null) return false
  run(backend, { gemm: null, sgd }, { op: OPS.sgdMomentum, total: n, align: 4, work: n * 8, args: [theta, v, g, outTheta, outV], floats: [lr, mu, wd] })
  return true
}

/** Stops the helpers of this backend's memory (tests; a process that exits needs nothing). */
export async function closeGemmThreads(backend: BackendWasm): Promise<void> {
  const parts = sharedKernelParts(backend)
  const pool = parts === null ? undefined : pools.get(parts.memory)
  if (pool === undefined) return
  pools.delete(parts!.memory)
  Atomics.store(pool.control.ctrl, SEQ, -1)
  Atomics.notify(pool.control.ctrl, SEQ)
  for (const h of pool.helpers) retired.add(h)
  await Promise.all(pool.helpers.map((h) => h.terminate()))
}
