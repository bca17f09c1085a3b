/**
 * Dawn for Node (the `webgpu` npm package, prebuilt dawn.node): one GPU object per process,
 * installed as `navigator.gpu` (the only place @tensorflow/tfjs-backend-webgpu looks, and only
 * at import time) and removed again on release, because Node does not exit while the GPU object
 * is referenced (dawn-gpu/node-webgpu README, crbug.com/387965810).
 *
 * It also exposes `pumpEvents()`, which delivers Dawn's finished callbacks synchronously. Dawn
 * settles a mapAsync only inside wgpuInstanceProcessEvents, which dawn.node runs from a callback
 * it hands to the global `setImmediate` whenever an async operation is outstanding
 * (src/dawn/node/binding/AsyncRunner.cpp). We keep the latest such callback and call it
 * directly; that is what lets readSync.ts map a buffer without yielding to the event loop.
 */
import { createRequire } from 'node:module'
import type { AdapterLike } from './adapter'

/** The parts of the WebGPU API this module and readSync.ts touch (no DOM types here). */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<(AdapterLike & object) | null>
}

/** The webgpu package version the event pump was written and tested against. */
export const PINNED_DAWN_PACKAGE = '0.6.2'

const localRequire = createRequire(import.meta.url)

type Immediate = typeof globalThis.setImmediate
let gpu: GpuLike | null = null
let realSetImmediate: Immediate | null = null
let hook: Immediate | null = null
let tick: (() => void) | null = null
/** set while pumpEvents runs: dawn.node's re-arming setImmediate is held back until it returns */
let pumping = false
let deferred: (() => void) | null = null

/** `webgpu`'s version, or throws 'not installed' like the other optional backends. */
export function dawnPackageVersion(): string {
  try {
    return (localRequire('webgpu/package.json') as { version: string }).version
  } catch {
    throw new Error('not installed (optional dependency webgpu)')
  }
}

/**
 * Loads dawn.node, creates the GPU object and installs it as navigator.gpu (with the WebGPU
 * globals tfjs needs: GPUBufferUsage, GPUMapMode, …). Idempotent.
 */
export async function installGpu(): Promise<GpuLike> {
  if (gpu) return gpu
  dawnPackageVersion()
  installImmediateHook()
  try {
    // A computed name keeps the bundler from following it into the optional package.
    const name = 'webgpu'
    const mod = (await import(/* @vite-ignore */ name)) as { create(flags: string[]): GpuLike; globals: Record<string, unknown> }
    const g = globalThis as Record<string, unknown>
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v
    gpu = mod.create([])
  } catch (err) {
    removeImmediateHook()
    // dawn.node ships for linux-x64/arm64, darwin and win32-x64/arm64 only.
    throw new Error(`dawn.node did not load on ${process.platform}-${process.arch}: ${firstLine(err)}`, { cause: err })
  }
  const g = globalThis as unknown as { navigator?: Record<string, unknown> }
  if (!g.navigator) g.navigator = {}
  // Node ≥ 21 has a navigator object of its own; a plain property works on both.
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true, enumerable: true })
  return gpu
}

/** Whether pumpEvents can work (dawn.node has scheduled at least one event-processing tick). */
export function canPumpEvents(): boolean {
  return tick !== null
}

/** Runs Dawn's event processing now; finished mapAsync calls settle their buffers' mapState. */
export function pumpEvents(): void {
  if (!tick) throw new Error('dawn.node has not scheduled its event tick yet')
  pumping = true
  try {
    tick()
  } finally {
    pumping = false
    const again = deferred
    deferred = null
    // Re-arm the normal asynchronous processing exactly once, as dawn.node asked.
    if (again && realSetImmediate) realSetImmediate(again)
  }
}

/**
 * Removes navigator.gpu and the hook so nothing keeps the process alive; the caller destroys
 * the device first (backend release in index.ts).
 */
export function releaseGpu(): void {
  if (!gpu) return
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator
  if (nav && nav.gpu === gpu) delete nav.gpu
  gpu = null
  tick = null
  removeImmediateHook()
}

function installImmediateHook(): void {
  if (hook) return
  const real = globalThis.setImmediate
  realSetImmediate = real
  const wrapped = function (this: unknown, fn: (...a: unknown[]) => void, ...args: unknown[]) {
    // dawn.node's tick is an anonymous native function; application callbacks are not.
    if (typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]')) {
      tick = fn as () => void
      if (pumping) {
        deferred = fn as () => void
        return undefined
      }
    }
    return (real as (...a: unknown[]) => unknown).apply(globalThis, [fn, ...args])
  }
  hook = Object.assign(wrapped, real) as unknown as Immediate
  globalThis.setImmediate = hook
}

function removeImmediateHook(): void {
  if (hook && globalThis.setImmediate === hook && realSetImmediate) globalThis.setImmediate = realSetImmediate
  hook = null
  realSetImmediate = null
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200)
}
