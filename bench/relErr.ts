/**
 * The relative error every kernel comparison uses (bench/kernels.ts and the kernel tests), in one
 * place so the bench's error column and the tests' tolerance mean the same thing.
 */

/** max|a − b| / max(max|b|, 1e-6), b being the reference; Infinity if a has a non-finite value. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // A length mismatch would otherwise compare a prefix and pass.
  if (a.length !== b.length) throw new Error(`relErr: length ${a.length} vs ${b.length}`)
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(a[i]!)) return Infinity
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return diff / Math.max(scale, 1e-6)
}
