/**
 * Marching squares: the level set of a scalar field sampled on a regular grid, as polylines in
 * plane coordinates. Used for the partition view (each unit's zero contour, the decision boundary)
 * so the renderer draws lines instead of shipping and thresholding whole grids.
 *
 * Pure and dependency-free: runs in the trainer worker and in tests alike.
 */

export interface GridExtent {
  /** x of the first and last column */
  x: [number, number]
  /** y of the first and last row */
  y: [number, number]
}

/** A polyline as flat [x0, y0, x1, y1, …]; closed loops repeat their first point at the end. */
export type Polyline = number[]

/**
 * Polylines where `values` crosses `level`. `values` is row-major with `nx` columns and `ny` rows
 * (row i at y = y0 + i·dy, column j at x = x0 + j·dx). A cell with a non-finite corner is skipped.
 * Saddle cells are resolved by the cell centre's average, so the result does not depend on scan order.
 */
export function marchingSquares(values: ArrayLike<number>, nx: number, ny: number, extent: GridExtent, level = 0): Polyline[] {
  if (nx < 2 || ny < 2) return []
  if (values.length < nx * ny) throw new Error(`marchingSquares: ${values.length} values for a ${nx}×${ny} grid`)
  const dx = (extent.x[1] - extent.x[0]) / (nx - 1)
  const dy = (extent.y[1] - extent.y[0]) / (ny - 1)
  const hEdges = ny * (nx - 1)
  // Edge ids: horizontal edge (i, j)–(i, j+1) is i·(nx−1)+j; vertical edge (i, j)–(i+1, j) is hEdges + i·nx + j.
  const h = (i: number, j: number) => i * (nx - 1) + j
  const v = (i: number, j: number) => hEdges + i * nx + j
  const at = (i: number, j: number) => values[i * nx + j]!

  /** the point where edge `e` crosses the level (linear interpolation between its corners) */
  const point = (e: number): [number, number] => {
    let i: number, j: number, a: number, b: number
    if (e < hEdges) {
      i = Math.floor(e / (nx - 1))
      j = e - i * (nx - 1)
      a = at(i, j)
      b = at(i, j + 1)
      const t = a === b ? 0.5 : (level - a) / (b - a)
      return [extent.x[0] + (j + t) * dx, extent.y[0] + i * dy]
    }
    const k = e - hEdges
    i = Math.floor(k / nx)
    j = k - i * nx
    a = at(i, j)
    b = at(i + 1, j)
    const t = a === b ? 0.5 : (level - a) / (b - a)
    return [extent.x[0] + j * dx, extent.y[0] + (i + t) * dy]
  }

  // Segments as pairs of edge ids.
  const segA: number[] = []
  const segB: number[] = []
  for (let i = 0; i < ny - 1; i++) {
    for (let j = 0; j < nx - 1; j++) {
      const c00 = at(i, j)
      const c01 = at(i, j + 1)
      const c11 = at(i + 1, j + 1)
      const c10 = at(i + 1, j)
      if (!Number.isFinite(c00) || !Number.isFinite(c01) || !Number.isFinite(c11) || !Number.isFinite(c10)) continue
      const code = (c00 >= level ? 1 : 0) | (c01 >= level ? 2 : 0) | (c11 >= level ? 4 : 0) | (c10 >= level ? 8 : 0)
      if (code === 0 || code === 15) continue
      const bottom = h(i, j)
      const top = h(i + 1, j)
      const left = v(i, j)
      const right = v(i, j + 1)
      const add = (a: number, b: number) => {
        segA.push(a)
        segB.push(b)
      }
      if (code === 5 || code === 10) {
        const centreHigh = (c00 + c01 + c11 + c10) / 4 >= level
        // Cut off the corners that the centre does not join: the low ones when it is high.
        const cutLowOf5 = code === 5 ? centreHigh : !centreHigh
        if (cutLowOf5) {
          add(bottom, right) // corner (i, j+1)
          add(top, left) // corner (i+1, j)
        } else {
          add(left, bottom) // corner (i, j)
          add(right, top) // corner (i+1, j+1)
        }
        continue
      }
      // Exactly two edges cross: those whose corners differ.
      const crossed: number[] = []
      if ((code & 1) !== (code & 2) >> 1) crossed.push(bottom)
      if ((code & 2) >> 1 !== (code & 4) >> 2) crossed.push(right)
      if ((code & 4) >> 2 !== (code & 8) >> 3) crossed.push(top)
      if ((code & 8) >> 3 !== (code & 1)) crossed.push(left)
      add(crossed[0]!, crossed[1]!)
    }
  }
  return chain(segA, segB, point)
}

/** Joins segments that share an edge into maximal polylines. */
function chain(segA: number[], segB: number[], point: (edge: number) => [number, number]): Polyline[] {
  const byEdge = new Map<number, number[]>()
  const link = (edge: number, seg: number) => {
    const list = byEdge.get(edge)
    if (list) list.push(seg)
    else byEdge.set(edge, [seg])
  }
  for (let s = 0; s < segA.length; s++) {
    link(segA[s]!, s)
    link(segB[s]!, s)
  }
  const used = new Uint8Array(segA.length)
  const next = (edge: number): number => {
    for (const s of byEdge.get(edge) ?? []) if (!used[s]) return s
    return -1
  }
  const walk = (from: number): number[] => {
    const edges: number[] = []
    let edge = from
    for (let s = next(edge); s >= 0; s = next(edge)) {
      used[s] = 1
      edge = segA[s] === edge ? segB[s]! : segA[s]!
      edges.push(edge)
    }
    return edges
  }
  const lines: Polyline[] = []
  for (let s = 0; s < segA.length; s++) {
    if (used[s]) continue
    used[s] = 1
    const forward = walk(segB[s]!)
    const backward = walk(segA[s]!)
    const edges = [...backward.reverse(), segA[s]!, segB[s]!, ...forward]
    const line: Polyline = []
    for (const e of edges) line.push(...point(e))
    lines.push(line)
  }
  return lines
}

/** Rounds coordinates to `digits` decimals: contours go over the wire as JSON. */
export function roundPolylines(lines: Polyline[], digits = 4): Polyline[] {
  const f = 10 ** digits
  return lines.map((line) => line.map((x) => Math.round(x * f) / f))
}
