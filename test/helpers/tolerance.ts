/**
 * The one relative error every numerical comparison uses — the kernel tests, the native and
 * parallel tests, and the bench's error column — so a tolerance means the same thing everywhere.
 */

/**
 * max|a − b| / max(max|b|, 1e-6) over the positions where the reference b is finite; Infinity
 * where a is non-finite and not the same value as b (so matching ±∞ pass, NaN never does).
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // A length mismatch would otherwise compare a prefix and pass.
  if (a.length !== b.length) throw new Error(`relErr: length ${a.length} vs ${b.length}`)
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(a[i]!) && a[i] !== b[i]) return Infinity
    if (Number.isFinite(b[i]!)) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
      scale = Math.max(scale, Math.abs(b[i]!))
    }
  }
  return diff / Math.max(scale, 1e-6)
}
