/**
 * A helper-pool job as the calling thread and the helper threads both read it: the control block's
 * layout, the operations, and the one loop that claims a job's chunks and runs them. The caller
 * (helperPool.ts) and every helper (kernelHelper.ts) run this same code on the same SIMD modules,
 * so every element is computed the same way whatever the split: results are bit-identical for any
 * thread count.
 *
 * The control block is shared by the caller and every helper (Int32 slots): the job's sequence
 * number (negative: stop), the chunk counter (sequence << 16 | next chunk, claimed by
 * compare-and-swap so that a helper late for a finished job can never claim a chunk of the next),
 * chunks done, the chunk count and size, the operation, its integer arguments, then Float32 slots
 * for float arguments. Bands are handed out as chunks to whoever is free: a helper that wakes late
 * (or whose core is busy) costs nothing, the others take its chunks.
 */
import type { GemmSimd, SgdSimd, SharedKernelParts, Wasm } from '../backends/wasm/kernels/simd'

export const SEQ = 0
export const NEXT = 1
export const DONE = 2
export const CHUNKS = 3
export const CHUNK = 4
export const TOTAL = 5
export const OP = 6
const ARGS = 7
const FARGS = 24
export const CONTROL_SLOTS = 32
export const OPS = { gemmTN: 0, transpose: 1, sgdMomentum: 2 } as const
export type Op = (typeof OPS)[keyof typeof OPS]

/** The layout above, which a helper checks against its own: a bundle built from older sources
 * would read the block wrongly. */
export const LAYOUT = JSON.stringify({ SEQ, NEXT, DONE, CHUNKS, CHUNK, TOTAL, OP, ARGS, FARGS, CONTROL_SLOTS, OPS })

/** The SIMD modules an operation runs on (null where that module is not available). */
export interface BandKernels {
  gemm: GemmSimd | null
  sgd: SgdSimd | null
}

/** A control block and its views: integer slots, the operation's integer and float arguments. */
export interface Control {
  ctrl: Int32Array
  args: Int32Array
  floats: Float32Array
}

/** What a helper thread is started with. */
export interface HelperData extends SharedKernelParts {
  ctrl: Int32Array
  layout: string
}

export function newControl(): Control {
  return controlOf(new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4)))
}

export function controlOf(ctrl: Int32Array): Control {
  return { ctrl, args: ctrl.subarray(ARGS, FARGS), floats: new Float32Array(ctrl.buffer, ctrl.byteOffset + FARGS * 4, CONTROL_SLOTS - FARGS) }
}

/**
 * Band [lo, hi) of an operation: `a` its integer arguments (pointers, strides, sizes), `f` its
 * float ones. The band is a product's columns, a transpose's source rows, the update's elements.
 */
export function runBand(k: BandKernels, op: number, a: ArrayLike<number>, f: ArrayLike<number>, lo: number, hi: number): void {
  if (op === OPS.gemmTN) k.gemm!.gemmTN(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, lo, hi)
  else if (op === OPS.transpose) k.gemm!.transpose(a[0]! + lo * a[3]! * 4, a[1]! + lo * 4, hi - lo, a[3]!, a[2]!)
  else {
    const at = (p: number): number => p + lo * 4
    k.sgd!.sgdMomentum(at(a[0]!), at(a[1]!), at(a[2]!), at(a[3]!), at(a[4]!), hi - lo, f[0]!, f[1]!, f[2]!)
  }
}

/** Writes a job into the block; `seq` is its sequence number (1..0x7fff). Publishing it (SEQ)
 * is the caller's last step. */
export function writeJob(
  c: Control,
  seq: number,
  op: Op,
  args: readonly number[],
  floats: readonly number[] | undefined,
  chunks: number,
  chunk: number,
  total: number,
): void {
  const { ctrl } = c
  ctrl[OP] = op
  c.args.set(args)
  if (floats) c.floats.set(floats)
  ctrl[CHUNKS] = chunks
  ctrl[CHUNK] = chunk
  ctrl[TOTAL] = total
  Atomics.store(ctrl, DONE, 0)
  Atomics.store(ctrl, NEXT, seq << 16)
}

/** Claims chunks of job `seq` until none is left (or another job has started), running each on
 * this thread. */
export function claimChunks(c: Control, seq: number, k: BandKernels): void {
  const { ctrl } = c
  for (;;) {
    const v = Atomics.load(ctrl, NEXT)
    const chunk = v & 0xffff
    if (v >>> 16 !== seq || chunk >= ctrl[CHUNKS]!) return
    if (Atomics.compareExchange(ctrl, NEXT, v, v + 1) !== v) continue
    const size = ctrl[CHUNK]!
    runBand(k, ctrl[OP]!, c.args, c.floats, chunk * size, Math.min(ctrl[TOTAL]!, (chunk + 1) * size))
    Atomics.add(ctrl, DONE, 1)
    Atomics.notify(ctrl, DONE)
  }
}

/** A helper's own instances of the shared modules on the shared memory. */
export function instantiateBandKernels(parts: SharedKernelParts): BandKernels {
  const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm }
  const imports = { env: { memory: parts.memory } }
  return {
    gemm: new WebAssembly.Instance(parts.gemm, imports).exports as GemmSimd,
    sgd: new WebAssembly.Instance(parts.sgd, imports).exports as SgdSimd,
  }
}
