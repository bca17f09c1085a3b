import { describe, expect, it } from 'vitest'
import { codeDistance, packSigns, popcount32 } from '../../src-main/core/splineCodes'
import { MEAN_LAYER, SplineHistory } from '../../src-main/core/splineHistory'
import { createRng } from '../../src-main/core/random'

/** The reference's getDiff on floats: mean |1[a>0] − 1[b>0]|. */
function naiveDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i]! > 0 ? 1 : 0) - (b[i]! > 0 ? 1 : 0))
  return sum / a.length
}

function randomValues(n: number, seed: number, zeroFraction = 0.05): Float32Array {
  const rng = createRng(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = rng.next() < zeroFraction ? 0 : rng.normal()
  return out
}

describe('spline codes', () => {
  it('popcount32 counts bits of every word shape', () => {
    for (const x of [0, 1, 0xffffffff, 0x80000000, 0x55555555, 0x12345678, 0xdeadbeef]) {
      const naive = x
        .toString(2)
        .split('')
        .filter((c) => c === '1').length
      expect(popcount32(x)).toBe(naive)
    }
  })

  it('packs signs so that bit i is value[i] > 0 (zeros and negatives are off)', () => {
    const code = packSigns([1, 0, -1, 2, 0.5, -0.0, 3e-30])
    expect(code.bits).toBe(7)
    expect(code.words.length).toBe(1)
    expect(code.words[0]).toBe(0b1011001)
  })

  it.each([1, 31, 32, 33, 1000, 4096 + 17])('distance of %i-bit codes equals the naive float distance exactly', (n) => {
    for (let trial = 0; trial < 5; trial++) {
      const a = randomValues(n, n * 10 + trial)
      const b = randomValues(n, n * 10 + trial + 1000)
      expect(codeDistance(packSigns(a), packSigns(b))).toBe(naiveDistance(a, b))
    }
  })

  it('rejects codes of different sizes', () => {
    expect(() => codeDistance(packSigns([1, 2]), packSigns([1]))).toThrow(/2 vs 1 bits/)
  })

  it('grows the epoch × epoch matrix per layer and as the unweighted mean over layers', () => {
    const layers = ['a', 'b']
    const sizes = [37, 300]
    const history = new SplineHistory(layers)
    const raw: Float32Array[][] = []
    for (let t = 0; t < 6; t++) {
      const values = sizes.map((n, l) => randomValues(n, t * 7 + l))
      raw.push(values)
      const row = history.add(values.map((v) => packSigns(v)))
      expect(row.a).toHaveLength(t + 1)
      expect(row[MEAN_LAYER]![t]).toBe(0)
    }
    for (let t = 0; t < 6; t++) {
      for (let s = 0; s < 6; s++) {
        const da = naiveDistance(raw[t]![0]!, raw[s]![0]!)
        const db = naiveDistance(raw[t]![1]!, raw[s]![1]!)
        expect(history.distance('a', t, s)).toBe(da)
        expect(history.distance('b', t, s)).toBe(db)
        expect(history.distance(MEAN_LAYER, t, s)).toBeCloseTo((da + db) / 2, 15)
      }
    }
  })
})
