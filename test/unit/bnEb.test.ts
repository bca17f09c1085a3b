import { describe, expect, it } from 'vitest'
import { BnEbDetector, bnMask, maskDistance } from '../../src-main/core/bnEb'

describe('BN-mask early-bird detector (EB tickets)', () => {
  it('masks |γ| > sorted[⌊n·p⌋], the reference rule (which also drops the threshold channel itself)', () => {
    expect(Array.from(bnMask(Float32Array.from([0.1, 0.5, 0.3, 0.9]), 0.5))).toEqual([0, 0, 0, 1])
    expect(Array.from(bnMask(Float32Array.from([0.1, 0.5, 0.3, 0.9]), 0.25))).toEqual([0, 1, 0, 1])
    expect(maskDistance(Uint8Array.from([1, 0, 1, 1]), Uint8Array.from([1, 1, 1, 0]))).toBe(0.5)
  })

  it('draws the ticket when the newest of 5 masks is within 0.1 of each of the 4 older', () => {
    const det = new BnEbDetector({ ratio: 0.5, queue: 5, threshold: 0.1 })
    // 20 channels; the ranking churns for 3 epochs, then freezes
    const gammas = (e: number) => Float32Array.from({ length: 20 }, (_, i) => (e < 3 ? ((i * 7 + e * 5) % 20) / 20 : i / 20))
    for (let e = 0; e < 10; e++) det.update(gammas(e), e)
    expect(det.trace.slice(0, 4).every((p) => p.maxDistance === null)).toBe(true)
    // masks 3..7 identical → first all-≤0.1 window is at epoch 7
    expect(det.ebEpoch).toBe(7)
    expect(det.trace[7]!.maxDistance).toBe(0)
  })
})
