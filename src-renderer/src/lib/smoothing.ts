/**
 * TensorBoard-style smoothing: an exponential moving average whose start-up bias towards zero is
 * divided out, so the first smoothed points sit on the data instead of climbing from 0.
 * Non-finite values are passed through and do not disturb the average.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999)
  if (w === 0) return [...values]
  const out: number[] = []
  let last = 0
  let count = 0
  for (const value of values) {
    if (!Number.isFinite(value)) {
      out.push(value)
      continue
    }
    last = last * w + (1 - w) * value
    count += 1
    out.push(last / (1 - w ** count))
  }
  return out
}
