import { describe, expect, it } from 'vitest'
import { SplineEbDetector } from '../../src-main/core/splineEb'

/** Builds lower-triangular mean rows from a symmetric distance function. */
function rows(d: (t: number, s: number) => number, epochs: number): number[][] {
  return Array.from({ length: epochs }, (_, t) => Array.from({ length: t + 1 }, (_, s) => (s === t ? 0 : d(t, s))))
}

describe('spline EB detector', () => {
  it('draws the ticket at the first epoch whose max distance to the previous W epochs is < ε', () => {
    // distances shrink with time: d(t, s) = 0.5 / (1 + t)
    const det = new SplineEbDetector({ window: 3, epsilon: 0.16 })
    for (const r of rows((t) => 0.5 / (1 + t), 8)) det.update(r)
    // 0-based t=3 → 0.125 < 0.16 → epoch 4 (1-based)
    expect(det.ebEpoch).toBe(4)
    expect(det.trace.slice(0, 3).every((p) => p.maxDistance === null)).toBe(true)
    expect(det.trace[3]!.maxDistance).toBeCloseTo(0.125)
  })

  it('uses a strict inequality and only the last W epochs', () => {
    const det = new SplineEbDetector({ window: 2, epsilon: 0.2 })
    // epoch 0 is far from everything; later epochs are exactly 0.2 apart, then 0.1
    const d = (t: number, s: number) => (s === 0 ? 0.9 : t < 5 ? 0.2 : 0.1)
    for (const r of rows(d, 7)) det.update(r)
    expect(det.trace[2]!.maxDistance).toBe(0.9) // window {0,1} includes epoch 0
    expect(det.trace[3]!.maxDistance).toBe(0.2) // equal to ε: not drawn
    expect(det.ebEpoch).toBe(6) // t = 5 compares with 3, 4 at 0.1
  })

  it('never draws a ticket when the partition keeps moving', () => {
    const det = new SplineEbDetector({ window: 3, epsilon: 0.16 })
    for (const r of rows(() => 0.3, 10)) det.update(r)
    expect(det.ebEpoch).toBeNull()
    expect(det.trace).toHaveLength(10)
  })
})
