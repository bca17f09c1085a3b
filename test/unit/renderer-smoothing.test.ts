import { describe, expect, it } from 'vitest'

// Imported by a computed path on purpose: tsconfig.node.json (which typechecks test/) is a composite
// project that does not include src-renderer/, so a static import fails `tsc -p` with TS6307.
// The renderer project typechecks smoothing.ts itself; the signature is restated here.
const modulePath = '../../src-renderer/src/lib/smoothing'
const { smoothEma } = (await import(/* @vite-ignore */ modulePath)) as {
  smoothEma: (values: readonly number[], weight: number) => number[]
}

describe('smoothEma (debiased EMA, TensorBoard style)', () => {
  it('matches a hand-computed sequence', () => {
    // w = 0.5, values 1, 2, 3, 0:
    //   last = 0.5                → 0.5    / (1 - 0.5)    = 1
    //   last = 0.25 + 1   = 1.25  → 1.25   / (1 - 0.25)   = 5/3
    //   last = 0.625 + 1.5 = 2.125 → 2.125 / (1 - 0.125)  = 17/7
    //   last = 1.0625 + 0 = 1.0625 → 1.0625 / (1 - 0.0625) = 17/15
    const out = smoothEma([1, 2, 3, 0], 0.5)
    const expected = [1, 5 / 3, 17 / 7, 17 / 15]
    expect(out).toHaveLength(4)
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12))
  })

  it('starts on the first value instead of climbing from zero', () => {
    expect(smoothEma([0.8], 0.9)[0]).toBeCloseTo(0.8, 12)
    for (const v of smoothEma([2, 2, 2, 2, 2], 0.95)) expect(v).toBeCloseTo(2, 12)
  })

  it('is the identity at weight 0', () => {
    expect(smoothEma([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5])
  })

  it('passes non-finite values through without disturbing the average', () => {
    const out = smoothEma([1, Number.NaN, 2, 3, 0], 0.5)
    expect(out[1]).toBeNaN()
    const expected = [1, 5 / 3, 17 / 7, 17 / 15]
    ;[out[0], out[2], out[3], out[4]].forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12))
  })

  it('returns an empty array for no values', () => {
    expect(smoothEma([], 0.6)).toEqual([])
  })
})
