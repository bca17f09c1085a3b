/**
 * Our WebAssembly SIMD kernels (the .wat modules beside this file, assembled at build time by
 * scripts/watPlugin.ts), instantiated on the tfjs wasm backend's own memory so they work on its
 * tensors in place (pointers are the backend's heap offsets). One instance per memory; where an
 * instance cannot be made (no SIMD in this runtime, a tfjs that no longer exposes its memory)
 * callers fall back to their JavaScript loops. The helper threads (threads/kernelHelper.ts)
 * instantiate the same compiled modules on the same, shared, memory.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import * as batchNormWat from './batchNorm.wat'
import * as gemmWat from './gemm.wat'
import * as maxPoolGradWat from './maxPoolGrad.wat'
import * as sgdWat from './sgd.wat'

export interface BatchNormSimd {
  sumsForward(x: number, k: number, n: number, L: number, acc: number): void
  sumsBackward(x: number, k: number, dy: number, n: number, L: number, acc: number): void
  normalize(x: number, y: number, n: number, L: number, mh: number, ml: number, s: number, b: number): void
  inputGrad(dy: number, x: number, dx: number, n: number, L: number, mh: number, ml: number, a: number, k: number, d: number): void
}

export interface MaxPoolGradSimd {
  /** the 2×2/2 pool tiling its input; rows = N·H/2, C a multiple of 4 */
  maxPoolGrad2x2(x: number, dy: number, dx: number, rows: number, W: number, C: number): void
}

export interface SgdSimd {
  /** n a multiple of 4 */
  sgdMomentum(theta: number, v: number, g: number, outTheta: number, outV: number, n: number, lr: number, mu: number, wd: number): void
}

export interface GemmSimd {
  /** C[:, n0:n1] = Aᵀ·B[:, n0:n1], A [K×M], B [K×N]; byte pointers and strides; n1 − n0 a multiple of 4 */
  gemmTN(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, n0: number, n1: number): void
  /** dst [C×R] = srcᵀ, src [R×C], dst rows ldd elements apart (R for a whole matrix) */
  transpose(src: number, dst: number, R: number, C: number, ldd: number): void
}

type WatModule = { plain: Uint8Array; shared: Uint8Array }

// The node tsconfig has no DOM lib, and @types/node does not declare WebAssembly: the little used here.
export interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
}
export interface Wasm {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: object }
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: Wasm }

interface EmscriptenModule {
  wasmMemory?: Memory
  asm?: { memory?: Memory }
  _malloc(bytes: number): number
  _free(ptr: number): void
}

const instances = new WeakMap<Memory, Map<WatModule, object | null>>()
const compiled = new Map<Uint8Array, object>()
let lastFailure: string | null = null
let enabled = true

/** Turns the SIMD paths off (and on again): for tests and benchmarks of the JavaScript paths. */
export function setSimdEnabled(on: boolean): void {
  enabled = on
}

function memoryOf(backend: BackendWasm): Memory | undefined {
  const m = backend.wasm as unknown as EmscriptenModule
  return m.wasmMemory ?? m.asm?.memory
}

function compile(bytes: Uint8Array): object {
  let m = compiled.get(bytes)
  if (m === undefined) compiled.set(bytes, (m = new WebAssembly.Module(bytes)))
  return m
}

/** One instance of a module per backend memory, made on first use; null where it cannot be. */
function instance<T>(backend: BackendWasm, wat: WatModule): T | null {
  if (!enabled) return null
  const memory = memoryOf(backend)
  if (memory === undefined) {
    lastFailure = 'the wasm backend does not expose its memory'
    return null
  }
  let byModule = instances.get(memory)
  if (byModule === undefined) instances.set(memory, (byModule = new Map()))
  let inst = byModule.get(wat)
  if (inst === undefined) {
    try {
      const bytes = memory.buffer instanceof SharedArrayBuffer ? wat.shared : wat.plain
      inst = new WebAssembly.Instance(compile(bytes), { env: { memory } }).exports
    } catch (err) {
      lastFailure = err instanceof Error ? err.message : String(err)
      inst = null
    }
    byModule.set(wat, inst)
  }
  return inst as T | null
}

/** The BatchNorm SIMD kernels on this backend's memory, or null (see simdFailure()). */
export function batchNormSimd(backend: BackendWasm): BatchNormSimd | null {
  return instance<BatchNormSimd>(backend, batchNormWat)
}

/** The MaxPoolGrad SIMD kernel on this backend's memory, or null (see simdFailure()). */
export function maxPoolGradSimd(backend: BackendWasm): MaxPoolGradSimd | null {
  return instance<MaxPoolGradSimd>(backend, maxPoolGradWat)
}

/** The SGD update's SIMD kernel on this backend's memory, or null (see simdFailure()). */
export function sgdSimd(backend: BackendWasm): SgdSimd | null {
  return instance<SgdSimd>(backend, sgdWat)
}

/** The dense-product SIMD kernels on this backend's memory, or null (see simdFailure()). */
export function gemmSimd(backend: BackendWasm): GemmSimd | null {
  return instance<GemmSimd>(backend, gemmWat)
}

/** What a helper thread instantiates to run our dense-product and SGD kernels on the same memory. */
export interface SharedKernelParts {
  memory: Memory
  /** compiled gemm.wat and sgd.wat, for a shared memory */
  gemm: object
  sgd: object
}

/**
 * What another thread needs to run our dense-product and SGD kernels on this backend's tensors:
 * the compiled modules and the memory, where that memory is shared (tfjs's threaded binary); else
 * null.
 */
export function sharedKernelParts(backend: BackendWasm): SharedKernelParts | null {
  const memory = memoryOf(backend)
  if (!enabled || memory === undefined || !(memory.buffer instanceof SharedArrayBuffer)) return null
  if (gemmSimd(backend) === null || sgdSimd(backend) === null) return null
  return { memory, gemm: compile(gemmWat.shared), sgd: compile(sgdWat.shared) }
}

/** Why the last module could not be instantiated, for diagnostics. */
export function simdFailure(): string | null {
  return lastFailure
}

/** The whole heap as floats; take it after any allocation (growth detaches older views). */
export function heapF32(backend: BackendWasm): Float32Array {
  return new Float32Array(memoryOf(backend)!.buffer)
}

/** Byte offset of a tensor's data in the backend's heap. */
export function heapOffset(backend: BackendWasm, dataId: object): number {
  return (backend.dataIdMap.get(dataId) as unknown as { memoryOffset: number }).memoryOffset
}

/** Scratch space on the backend's heap, 16-byte aligned blocks; free() releases all of it. */
export class Scratch {
  private readonly ptrs: number[] = []
  constructor(private readonly backend: BackendWasm) {}

  alloc(bytes: number): number {
    const ptr = (this.backend.wasm as unknown as EmscriptenModule)._malloc(bytes + 16)
    this.ptrs.push(ptr)
    return (ptr + 15) & ~15
  }

  free(): void {
    const m = this.backend.wasm as unknown as EmscriptenModule
    for (const p of this.ptrs) m._free(p)
    this.ptrs.length = 0
  }
}
