import { describe, expect, it } from 'vitest'
import { marchingSquares, roundPolylines, type Polyline } from '../../src-main/core/contours'

function sample(n: number, extent: [number, number], f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(n * n)
  const step = (extent[1] - extent[0]) / (n - 1)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = f(extent[0] + j * step, extent[0] + i * step)
  return out
}

const points = (line: Polyline) => Array.from({ length: line.length / 2 }, (_, k) => [line[2 * k]!, line[2 * k + 1]!] as const)

describe('marching squares', () => {
  it('traces a circle as one closed loop lying on the circle', () => {
    const n = 41
    const lines = marchingSquares(
      sample(n, [-2, 2], (x, y) => x * x + y * y - 1),
      n,
      n,
      { x: [-2, 2], y: [-2, 2] },
    )
    expect(lines).toHaveLength(1)
    const pts = points(lines[0]!)
    expect(pts.length).toBeGreaterThan(40)
    expect(pts[0]).toEqual(pts.at(-1)) // closed
    for (const [x, y] of pts) expect(Math.abs(Math.hypot(x, y) - 1)).toBeLessThan(0.02)
  })

  it('finds a straight boundary exactly where a linear field is zero', () => {
    const n = 11
    const lines = marchingSquares(
      sample(n, [0, 1], (x) => x - 0.33),
      n,
      n,
      { x: [0, 1], y: [0, 1] },
    )
    expect(lines).toHaveLength(1)
    const pts = points(lines[0]!)
    expect(pts).toHaveLength(n) // one point per row
    for (const [x] of pts) expect(x).toBeCloseTo(0.33, 6)
    const ys = pts.map(([, y]) => y).sort((a, b) => a - b)
    expect(ys[0]).toBeCloseTo(0)
    expect(ys.at(-1)).toBeCloseTo(1)
  })

  it('gives nothing for a field that never crosses the level, and skips cells with NaN', () => {
    expect(marchingSquares(new Float32Array(9).fill(1), 3, 3, { x: [0, 1], y: [0, 1] })).toEqual([])
    const v = sample(5, [0, 1], (x) => x - 0.5)
    v[2 * 5 + 2] = Number.NaN
    const lines = marchingSquares(v, 5, 5, { x: [0, 1], y: [0, 1] })
    // the crossing through the NaN corner's cells is cut: two pieces, none through y = 0.5
    expect(lines).toHaveLength(2)
    for (const line of lines) for (const [, y] of points(line)) expect(Math.abs(y - 0.5)).toBeGreaterThanOrEqual(0.25 - 1e-9)
  })

  it('resolves saddles by the centre value', () => {
    // corners (0,0) and (1,1) high, the others low
    const high = [1, -1, -1, 1] // row 0: (0,0)=1, (0,1)=-1; row 1: (1,0)=-1, (1,1)=1
    const joined = marchingSquares(
      high.map((x) => x + 0.5),
      2,
      2,
      { x: [0, 1], y: [0, 1] },
    ) // centre 0.5 ≥ 0: high corners joined
    const split = marchingSquares(
      high.map((x) => x - 0.5),
      2,
      2,
      { x: [0, 1], y: [0, 1] },
    ) // centre −0.5: high corners apart
    expect(joined).toHaveLength(2)
    expect(split).toHaveLength(2)
    // joined: the segments cut off the low corners (1,0) and (0,1)
    const nearLowCorner = (lines: Polyline[], cx: number, cy: number) => lines.some((l) => points(l).every(([x, y]) => Math.hypot(x - cx, y - cy) < 0.9))
    expect(nearLowCorner(joined, 1, 0) && nearLowCorner(joined, 0, 1)).toBe(true)
    expect(nearLowCorner(split, 0, 0) && nearLowCorner(split, 1, 1)).toBe(true)
  })

  it('handles non-square grids and rounds for the wire', () => {
    const nx = 7
    const ny = 3
    const v = new Float32Array(nx * ny)
    for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) v[i * nx + j] = i - 1.25
    const lines = marchingSquares(v, nx, ny, { x: [0, 6], y: [0, 2] })
    expect(lines).toHaveLength(1)
    for (const [, y] of points(lines[0]!)) expect(y).toBeCloseTo(1.25)
    expect(roundPolylines([[0.123456, 1.987654]], 3)).toEqual([[0.123, 1.988]])
  })
})
