/**
 * Synchronous reads (dataSync/arraySync) on the webgpu backend under Node.
 *
 * tfjs-backend-webgpu 4.22 reads synchronously through two OffscreenCanvas objects, which Node
 * does not have, so every dataSync throws "OffscreenCanvas is not defined". The trainer reads
 * synchronously in many places (loss per batch, spline codes, BN γ, checkpoints), so instead we
 * copy the tensor's buffer to a staging buffer as the backend's own async `read` does, and map
 * it while driving Dawn's event processing ourselves (dawn.ts pumpEvents) until the map settles.
 * Complex, string and CPU-resident tensors keep the stock path.
 */
import * as tf from '@tensorflow/tfjs'
import { canPumpEvents, pumpEvents } from './dawn'

/** The tfjs-backend-webgpu build whose internals this relies on. */
export const PINNED_TFJS_WEBGPU = '4.22.0'
/** A read waits at most this long for the GPU (a whole queued step on a slow CPU adapter). */
const READ_TIMEOUT_MS = 300_000

interface MappableBuffer {
  size: number
  mapState: 'unmapped' | 'pending' | 'mapped'
  mapAsync(mode: number): Promise<void>
  getMappedRange(): ArrayBuffer
  unmap(): void
}

/** The WebGPUBackend members used here (all public in 4.22's class, absent from its typings). */
interface WebgpuBackendInternals {
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string; resource?: unknown } | undefined }
  bufferManager: { acquireBuffer(size: number, usage: number): MappableBuffer; releaseBuffer(b: MappableBuffer): void }
  commandEncoder: { copyBufferToBuffer(src: unknown, so: number, dst: unknown, doff: number, size: number): void }
  ensureCommandEncoderReady(): void
  endComputePassEncoder(): void
  submitQueue(): void
  convertAndCacheOnCPU(dataId: object, data: tf.backend_util.BackendValues): tf.backend_util.BackendValues
  readSync(dataId: object): tf.backend_util.BackendValues
}

const PATCHED = Symbol.for('spline-lab.webgpu.readSync')

/** Replaces readSync on WebGPUBackend's prototype when Node lacks OffscreenCanvas. Idempotent. */
export function patchReadSync(backendClass: { prototype: object }): void {
  const proto = backendClass.prototype as WebgpuBackendInternals & { [PATCHED]?: boolean }
  if (proto[PATCHED] || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return
  const required = ['readSync', 'ensureCommandEncoderReady', 'endComputePassEncoder', 'submitQueue', 'convertAndCacheOnCPU'] as const
  const missing = required.filter((m) => typeof proto[m] !== 'function')
  if (missing.length) throw new Error(`unexpected tfjs-backend-webgpu internals (no ${missing.join(', ')})`)
  const stock = proto.readSync
  proto.readSync = function (this: WebgpuBackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId)
    if (!data || data.values != null || data.dtype === 'string' || data.dtype === 'complex64') return stock.call(this, dataId)
    const bytes = readBufferSync(this, data.resource as MappableBuffer)
    return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype as tf.DataType))
  }
  proto[PATCHED] = true
}

function readBufferSync(backend: WebgpuBackendInternals, buffer: MappableBuffer): ArrayBuffer {
  if (!buffer || typeof buffer.size !== 'number') throw new Error('webgpu readSync: the tensor is not held in a GPU buffer')
  if (!canPumpEvents()) throw new Error('webgpu readSync: dawn.node event processing is not reachable')
  const usage = (globalThis as unknown as { GPUBufferUsage: { COPY_DST: number; MAP_READ: number } }).GPUBufferUsage
  const mapRead = (globalThis as unknown as { GPUMapMode: { READ: number } }).GPUMapMode.READ
  const staging = backend.bufferManager.acquireBuffer(buffer.size, usage.COPY_DST | usage.MAP_READ)
  backend.ensureCommandEncoderReady()
  backend.endComputePassEncoder()
  backend.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size)
  backend.submitQueue()
  let failure: unknown = null
  staging.mapAsync(mapRead).catch((err: unknown) => (failure = err))
  waitWhilePending(staging)
  if (staging.mapState !== 'mapped') {
    throw new Error(`webgpu readSync: mapping the staging buffer failed (${failure instanceof Error ? failure.message : staging.mapState})`)
  }
  const bytes = staging.getMappedRange().slice(0)
  staging.unmap()
  backend.bufferManager.releaseBuffer(staging)
  return bytes
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Pumps Dawn's events until the map settles; sleeps in growing steps so a CPU adapter's own
 * threads (lavapipe) get the cores instead of this loop. */
function waitWhilePending(staging: MappableBuffer): void {
  const deadline = Date.now() + READ_TIMEOUT_MS
  let pause = 0
  for (;;) {
    pumpEvents()
    if (staging.mapState !== 'pending') return
    if (Date.now() > deadline) throw new Error(`webgpu readSync: the GPU did not finish within ${READ_TIMEOUT_MS / 1000} s`)
    pause = Math.min(1, pause + 0.02)
    Atomics.wait(sleeper, 0, 0, pause)
  }
}
