/**
 * The backend in a few words, the same in the UI badge, the CLI and the skip reasons:
 * "webgpu (mesa llvmpipe: Mesa 25.0.7 (LLVM 15.0.6), CPU adapter)", "wasm (2 threads)".
 */
import type { BackendInfo, WebgpuAdapterSummary } from './api'

/** "mesa llvmpipe: Mesa 25.0.7 …, CPU adapter"; the vendor only where the name lacks it. */
export function describeAdapter(a: WebgpuAdapterSummary): string {
  const name = a.description || a.device || a.architecture || 'unnamed adapter'
  const vendor = a.vendor && !name.toLowerCase().startsWith(a.vendor.toLowerCase()) ? `${a.vendor} ` : ''
  return `${vendor}${name}${a.cpu ? ', CPU adapter' : ''}`
}

/** What runs the backend: the adapter for webgpu, the thread count for wasm; '' otherwise. */
export function backendDetail(info: Pick<BackendInfo, 'backend' | 'webgpu' | 'wasmThreads'>): string {
  if (info.backend === 'webgpu' && info.webgpu) return describeAdapter(info.webgpu)
  if (info.backend === 'wasm' && info.wasmThreads) {
    const t = info.wasmThreads
    const n = `${t.threads} thread${t.threads === 1 ? '' : 's'}`
    const products = t.gemmThreads !== undefined && t.gemmThreads > 1 ? `, dense products on ${t.gemmThreads}` : ''
    return t.threads < t.requested ? `${n} of ${t.requested} requested: ${t.reason ?? 'fewer started'}${products}` : n + products
  }
  return ''
}

/** "webgpu (…)", "wasm (1 thread)", "cpu". */
export function backendLabel(info: Pick<BackendInfo, 'backend' | 'webgpu' | 'wasmThreads'>): string {
  const detail = backendDetail(info)
  return detail ? `${info.backend} (${detail})` : info.backend
}
