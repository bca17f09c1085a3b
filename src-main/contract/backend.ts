/**
 * Which TensorFlow.js backend trains, what was tried and why each was skipped (system.info, the
 * UI badge, the CLI), and the backend in a few words, the same in the badge, the CLI and the skip
 * reasons: "webgpu (mesa llvmpipe: Mesa 25.0.7 (LLVM 15.0.6), CPU adapter)", "wasm (2 threads)".
 */

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgpu'

export interface BackendAttempt {
  /** package or backend tried, e.g. `@tensorflow/tfjs-node-gpu` */
  candidate: string
  ok: boolean
  /** why it was not used; absent when ok */
  reason?: string
}

export interface BackendInfo {
  /** the backend tf.getBackend() reports inside the trainer worker */
  backend: BackendName | string
  /** what was asked for (config or SPLINE_LAB_BACKEND), or 'auto' */
  requested: string
  attempts: BackendAttempt[]
  tfjsVersion: string
  /** whether our own wasm kernels (Conv2DBackpropFilter, …) are registered */
  customKernels: string[]
  /** the WebGPU adapter found, when the webgpu backend was tried (also when it was skipped) */
  webgpu?: WebgpuAdapterSummary
  /** wasm's thread pool, when wasm was loaded (SPLINE_LAB_WASM_THREADS asks for more than 1) */
  wasmThreads?: WasmThreadsInfo
}

export interface WebgpuAdapterSummary {
  vendor: string
  architecture: string
  device: string
  description: string
  /** a software rasteriser (lavapipe/llvmpipe, SwiftShader, WARP): skipped in auto mode */
  cpu: boolean
}

export interface WasmThreadsInfo {
  /** threads asked for (SPLINE_LAB_WASM_THREADS, default 1) */
  requested: number
  /** threads XNNPACK actually runs with */
  threads: number
  /** threads our dense products run on (SPLINE_LAB_GEMM_THREADS, default all cores; 1 where the
   * threaded binary did not start) */
  gemmThreads?: number
  /** why fewer than requested run, or that one was asked for */
  reason?: string
}

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
