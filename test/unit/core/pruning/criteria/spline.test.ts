import { describe, expect, it } from 'vitest'
import { selectByScores } from '../../../../../src-main/core/pruning/select'
import { nodeDistances, splineSelect } from '../../../../../src-main/core/pruning/criteria/spline'
import { packSigns } from '../../../../../src-main/core/splineCodes'
import { createRng } from '../../../../../src-main/core/random'

/** channel-major code from rows of 0/1 */
const code = (rows: number[][]) => ({ ...packSigns(rows.flat()), channels: rows.length })

describe('spline criterion', () => {
  it('node distance treats a complemented code as the same boundary', () => {
    const d = nodeDistances(
      code([
        [1, 1, 0, 0],
        [0, 0, 1, 1],
        [1, 0, 1, 0],
      ]),
    )
    expect(d[0 * 3 + 1]).toBe(0) // complement: h = 1 → N = 0
    expect(d[0 * 3 + 2]).toBe(0.5)
  })

  it('removes redundant copies one at a time so one representative of a group survives', () => {
    const rng = createRng(1)
    const base = Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 1 : 0))
    const other = Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 1 : 0))
    // channels 0,1,2 share one boundary (2 complemented), channel 3 is different
    const rows = [base, base, base.map((b) => 1 - b), other]
    const gamma = Float32Array.from([1, 1, 1, 1])
    const { selection } = splineSelect([{ id: 'g', code: code(rows), gammaAbs: gamma }], 0.5, 'layerwise', 1)
    expect(selection.g).toHaveLength(2)
    expect(selection.g).toContain(3)
    expect(selection.g!.filter((k) => k < 3)).toHaveLength(1)
  })

  it('with P = 0 it is network slimming (|γ| order)', () => {
    const rng = createRng(2)
    const rows = Array.from({ length: 6 }, () => Array.from({ length: 40 }, () => (rng.next() < 0.5 ? 1 : 0)))
    const gamma = Float32Array.from([0.9, 0.1, 0.5, 0.3, 0.7, 0.2])
    const { selection } = splineSelect([{ id: 'g', code: code(rows), gammaAbs: gamma }], 0.5, 'layerwise', 0)
    expect(selection.g).toEqual(selectByScores({ g: gamma }, 0.5, 'layerwise').g)
    expect(selection.g).toEqual([0, 2, 4])
  })

  it('global scope removes round(ratio·total) channels and keeps one per group', () => {
    const rng = createRng(3)
    const groups = [3, 5, 1].map((C, i) => ({
      id: `g${i}`,
      code: code(Array.from({ length: C }, () => Array.from({ length: 32 }, () => (rng.next() < 0.5 ? 1 : 0)))),
      gammaAbs: Float32Array.from({ length: C }, () => rng.next()),
    }))
    const { selection } = splineSelect(groups, 0.5, 'global', 0.5)
    const kept = Object.values(selection).reduce((s, k) => s + k.length, 0)
    expect(kept).toBe(9 - Math.round(0.5 * 9))
    for (const k of Object.values(selection)) expect(k.length).toBeGreaterThanOrEqual(1)
  })
})
