/** op(a)·op(b) for 2-D row-major operands, summed in float64: the reference for our products. */
export function naiveMatMul(a: Float32Array, b: Float32Array, aShape: number[], bShape: number[], tA: boolean, tB: boolean): Float64Array {
  const [ar, ac] = aShape as [number, number]
  const [br, bc] = bShape as [number, number]
  const M = tA ? ac : ar
  const K = tA ? ar : ac
  const N = tB ? br : bc
  const out = new Float64Array(M * N)
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0
      for (let k = 0; k < K; k++) s += a[tA ? k * ac + i : i * ac + k]! * b[tB ? j * bc + k : k * bc + j]!
      out[i * N + j] = s
    }
  }
  return out
}
