/**
 * Spline early-bird detector (reference/algorithms.md §2.1): the ticket is drawn at the first
 * epoch t ≥ W whose maximum mean distance to each of the previous W epochs is < ε (strict).
 * It is evaluated every epoch, also after detection, so the trace can be plotted.
 */
export interface SplineEbOptions {
  window: number
  epsilon: number
}

export interface SplineEbPoint {
  /** 1-based epoch */
  epoch: number
  maxDistance: number | null
  threshold: number
}

export class SplineEbDetector {
  readonly trace: SplineEbPoint[] = []
  /** 1-based epoch of the ticket, or null */
  ebEpoch: number | null = null

  constructor(private readonly options: SplineEbOptions) {}

  /**
   * Feeds the mean-distance row d(t, 0..t) of 0-based recorded epoch t (row[t] is 0).
   * Returns the trace point; `ebEpoch` is set the first time the criterion holds.
   */
  update(meanRow: number[]): SplineEbPoint {
    const t = meanRow.length - 1
    const { window, epsilon } = this.options
    let maxDistance: number | null = null
    if (t >= window) {
      maxDistance = 0
      for (let s = t - window; s < t; s++) maxDistance = Math.max(maxDistance, meanRow[s]!)
      if (this.ebEpoch === null && maxDistance < epsilon) this.ebEpoch = t + 1
    }
    const point = { epoch: t + 1, maxDistance, threshold: epsilon }
    this.trace.push(point)
    return point
  }
}
