/**
 * Turns the lower-triangular rows `rows[t][s]` (s ≤ t) into heatmap cells for the full symmetric
 * epoch × epoch matrix, as `[x, y, d]` triples with x, y the row indices.
 */
export interface MatrixCells {
  cells: [number, number, number][]
  max: number
}

export function symmetricCells(rows: readonly (readonly number[])[]): MatrixCells {
  const cells: [number, number, number][] = []
  let max = 0
  rows.forEach((row, t) => {
    for (let s = 0; s <= t && s < row.length; s++) {
      const d = row[s]
      if (d == null || !Number.isFinite(d)) continue
      if (d > max) max = d
      cells.push([s, t, d])
      if (s !== t) cells.push([t, s, d])
    }
  })
  return { cells, max }
}

/**
 * Epoch number of each matrix row. Rows and metrics end together, so the last row is the last
 * metrics epoch; this holds whether epochs count from 0 or 1 and whether an initial row exists.
 */
export function rowEpochs(rowCount: number, lastEpoch: number | undefined): number[] {
  const offset = lastEpoch === undefined ? 0 : lastEpoch - (rowCount - 1)
  return Array.from({ length: rowCount }, (_, t) => t + offset)
}
