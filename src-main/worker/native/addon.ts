/**
 * The interface of native/ (spline_native.node): oneDNN convolutions, pooling and batch norm, and
 * BLAS products, each working in place on the memory a typed array views (the tfjs wasm heap)
 * at the byte offsets given. Kernels that may not apply to a geometry return false, and the
 * caller falls back; wrong arguments throw a one-line TypeError/RangeError.
 */

/** What each library runs with on the calling thread, as the libraries report it. */
export interface NativeThreads {
  /** the count set by setThreads (0: never set, each library's own default) */
  requested: number
  /** OpenMP threads oneDNN and our loops use (omp_get_max_threads) */
  openmp: number
  /** BLAS threads (openblas_get_num_threads; 0 where the library decides, as Accelerate) */
  blas: number
  /** cores OpenMP sees */
  cores: number
}

export interface NativeInfo {
  /** oneDNN version, e.g. '2.6.3' */
  dnnl: string
  dnnlRuntime: string
  /** the instruction set oneDNN's JIT targets here, e.g. 'avx512_core' */
  isa: string
  /** the BLAS library's own description */
  blas: string
  /** the kernel family OpenBLAS chose for this CPU, e.g. 'Haswell' ('' for Accelerate) */
  blasCore: string
  napiVersion: number
  threads: NativeThreads
}

/** Geometry arrays: see native/src/conv.cc (17 integers) and pool.cc (14). */
export interface NativeAddon {
  info(): NativeInfo
  /** One count for OpenMP (oneDNN, our loops) and BLAS; returns what they run with. */
  setThreads(n: number): NativeThreads
  threads(): NativeThreads
  /** Which library the products run on: BLAS (its own thread pool) or oneDNN's sgemm (OpenMP's). */
  setGemmEngine(engine: 'blas' | 'dnnl'): string
  conv2d(heap: Uint8Array, x: number, filter: number, y: number, geom: Int32Array): boolean
  conv2dBackwardData(heap: Uint8Array, dy: number, filter: number, dx: number, geom: Int32Array): boolean
  conv2dBackwardWeights(heap: Uint8Array, x: number, dy: number, dw: number, geom: Int32Array): boolean
  /** alg 0 max, 1 average; max in training returns the workspace poolBackward takes (or true where none can be used). */
  pool(heap: Uint8Array, alg: 0 | 1, x: number, y: number, geom: Int32Array, training: boolean): boolean | ArrayBuffer
  /** alg 0 max (with the workspace), 2 average spread by 1/(KH·KW) */
  poolBackward(heap: Uint8Array, alg: 0 | 2, dy: number, dx: number, geom: Int32Array, workspace: ArrayBuffer | null): boolean
  /** MaxPoolGrad with `cpu`'s routing, from x itself */
  maxPoolGradLoop(heap: Uint8Array, x: number, dy: number, dx: number, geom: Int32Array): void
  batchNormTrain(
    heap: Uint8Array,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    invStd: number,
    dims: Int32Array,
    epsilon: number,
  ): boolean
  batchNormTrainGrad(
    heap: Uint8Array,
    dy: number,
    x: number,
    gamma: number,
    invStd: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    dims: Int32Array,
  ): boolean
  /** scale/offset −1 when absent */
  batchNormInference(
    heap: Uint8Array,
    x: number,
    mean: number,
    variance: number,
    scale: number,
    offset: number,
    y: number,
    dims: Int32Array,
    epsilon: number,
  ): boolean
  /** dims: batch M N K transposeA transposeB strideA strideB (floats; 0 = shared) */
  gemm(heap: Uint8Array, a: number, b: number, c: number, dims: Int32Array): void
}

/** Functions a build must export to be used (an older build lacking one is reported, not used). */
export const ADDON_FUNCTIONS: readonly (keyof NativeAddon)[] = [
  'info',
  'setThreads',
  'threads',
  'setGemmEngine',
  'conv2d',
  'conv2dBackwardData',
  'conv2dBackwardWeights',
  'pool',
  'poolBackward',
  'maxPoolGradLoop',
  'batchNormTrain',
  'batchNormTrainGrad',
  'batchNormInference',
  'gemm',
]
