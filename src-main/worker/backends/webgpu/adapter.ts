/**
 * What a WebGPU adapter is, in the few words a user needs: who made it and whether it is a real
 * GPU. A CPU adapter (Mesa's lavapipe/llvmpipe, SwiftShader, Microsoft WARP) runs every shader on
 * the CPU and trains slower than our wasm kernels, so auto mode skips it (see index.ts).
 */
import type { WebgpuAdapterSummary } from '../../../contract/api'

/** The part of GPUAdapterInfo (WebGPU spec + Dawn's isFallbackAdapter) we read. */
export interface AdapterInfoLike {
  vendor?: string
  architecture?: string
  device?: string
  description?: string
  /** Dawn sets it for CPU adapters; the spec moved it from GPUAdapter to GPUAdapterInfo */
  isFallbackAdapter?: boolean
}

export interface AdapterLike {
  info?: AdapterInfoLike
  isFallbackAdapter?: boolean
}

// Names the software rasterisers give themselves. isFallbackAdapter alone is not enough: older
// Dawn builds and other WebGPU implementations leave it unset for lavapipe.
const CPU_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|\bwarp\b|microsoft basic render/i

export function summarizeAdapter(adapter: AdapterLike): WebgpuAdapterSummary {
  const info = adapter.info ?? {}
  const text = (v: unknown) => (typeof v === 'string' ? v : '')
  const summary = {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
  }
  const cpu =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    summary.architecture.toLowerCase() === 'software' ||
    CPU_NAMES.test(`${summary.device} ${summary.description}`)
  return { ...summary, cpu }
}
