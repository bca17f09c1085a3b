/**
 * The webgpu candidate of the backend chain: Dawn's GPU object as navigator.gpu, the adapter
 * checked before tfjs sees it, then @tensorflow/tfjs-backend-webgpu (which registers its
 * backend only if navigator.gpu exists when it is imported).
 *
 * Auto mode skips a CPU adapter (lavapipe, SwiftShader): it trains 5–17× slower than our wasm
 * kernels (docs/gpu.md). Asked for by name it is used anyway: that is the CI path.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import type { WebgpuAdapterSummary } from '../../../contract/api'
import { describeAdapter } from '../../../contract/backend'
import type { Backend } from '../types'
import { summarizeAdapter, type AdapterLike } from './adapter'
import { PINNED_DAWN_PACKAGE, dawnPackageVersion, installGpu, releaseGpu, type GpuLike } from './dawn'
import { probeAdapter } from './probe'
import { PINNED_TFJS_WEBGPU, patchReadSync } from './readSync'

export { summarizeAdapter } from './adapter'

/** What the chain needs from the WebGPU world; tests hand in fakes. */
export interface WebgpuPlatform {
  /** the adapter Dawn offers, found without loading Dawn here (auto mode); throws when it cannot tell */
  probe(): Promise<AdapterLike | null>
  /** Dawn's GPU object, installed as navigator.gpu; throws when it cannot load */
  gpu(): Promise<GpuLike>
  /** imports tfjs-backend-webgpu (after gpu()), so that tf.setBackend('webgpu') can start it */
  registerBackend(): Promise<void>
  /** destroys the device and removes navigator.gpu */
  release(): Promise<void>
}

export interface WebgpuLoad {
  /** the adapter found, also when it was skipped */
  adapter?: WebgpuAdapterSummary
}

/** Thrown when auto mode passes over an adapter that works but would be slower than wasm. */
export class SkippedAdapter extends Error {}

// Dawn rejects Vulkan drivers older than it supports (Debian 12's Mesa 22.3 lavapipe).
const NO_ADAPTER = 'no WebGPU adapter (needs a Vulkan, Metal or D3D12 driver Dawn accepts; see docs/gpu.md)'

/**
 * Finds the adapter and registers the backend, or throws with the reason the chain records.
 * `forced`: the user asked for webgpu, so a CPU adapter is used too. Auto mode decides on a
 * probe in a child process and loads Dawn here only for a real GPU.
 */
export async function prepareWebgpu(platform: WebgpuPlatform, forced: boolean, out: WebgpuLoad): Promise<void> {
  if (!forced) {
    const found = await platform.probe()
    if (!found) throw new Error(NO_ADAPTER)
    out.adapter = summarizeAdapter(found)
    if (out.adapter.cpu) {
      throw new SkippedAdapter(
        `skipped: CPU adapter (${describeAdapter({ ...out.adapter, cpu: false })}) trains slower than wasm; force it with --backend webgpu`,
      )
    }
  }
  const gpu = await platform.gpu()
  let raw
  try {
    raw = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  } catch (err) {
    await platform.release()
    throw new Error(`requestAdapter failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (!raw) {
    await platform.release()
    throw new Error(NO_ADAPTER)
  }
  out.adapter = summarizeAdapter(raw)
  await platform.registerBackend()
}

/**
 * The chain's webgpu backend on `platform` (Dawn, or a test's fake); `out` receives the adapter it
 * finds, which BackendInfo reports also when auto mode skipped it.
 */
export function webgpuBackend(platform: WebgpuPlatform, out: WebgpuLoad = {}): Backend {
  return {
    name: 'webgpu (Dawn)',
    backend: 'webgpu',
    load: (forced) => prepareWebgpu(platform, forced, out),
    abandon: () => platform.release(),
    capabilities: () => (out.adapter ? { webgpu: { ...out.adapter } } : {}),
    async loadForRun() {
      if (!tf.findBackendFactory('webgpu')) await prepareWebgpu(platform, true, out)
    },
    release: () => platform.release(),
  }
}

const localRequire = createRequire(import.meta.url)

/** The real platform: the `webgpu` package (Dawn) and @tensorflow/tfjs-backend-webgpu. */
export const dawnPlatform: WebgpuPlatform = {
  async probe() {
    checkVersions()
    return probeAdapter(localRequire.resolve('webgpu'))
  },
  async gpu() {
    checkVersions()
    return installGpu()
  },
  async registerBackend() {
    const name = '@tensorflow/tfjs-backend-webgpu'
    const mod = (await import(/* @vite-ignore */ name)) as { WebGPUBackend: { prototype: object } }
    if (!tf.findBackendFactory('webgpu')) {
      throw new Error('tfjs-backend-webgpu was imported before navigator.gpu existed, so it did not register')
    }
    patchReadSync(mod.WebGPUBackend)
  },
  async release() {
    const backend = tf.findBackend('webgpu') as { device?: { destroy(): void } } | null
    if (backend) {
      // removeBackend disposes the backend's buffers; the device itself stays until destroyed.
      const device = backend.device
      tf.removeBackend('webgpu')
      device?.destroy()
    }
    releaseGpu()
  },
}

/** Both patches (readSync.ts, dawn.ts's event pump) lean on these builds' internals. */
function checkVersions(): void {
  const dawn = dawnPackageVersion()
  const tfjsWebgpu = tfjsWebgpuVersion()
  if (dawn !== PINNED_DAWN_PACKAGE) throw new Error(`untested webgpu package ${dawn} (want ${PINNED_DAWN_PACKAGE})`)
  if (tfjsWebgpu !== PINNED_TFJS_WEBGPU) throw new Error(`untested @tensorflow/tfjs-backend-webgpu ${tfjsWebgpu}`)
}

function tfjsWebgpuVersion(): string {
  try {
    return (localRequire('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version
  } catch {
    throw new Error('not installed (optional dependency @tensorflow/tfjs-backend-webgpu)')
  }
}
