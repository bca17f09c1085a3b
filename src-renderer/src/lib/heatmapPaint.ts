/**
 * The spline-distance matrix painted pixel by pixel: one ImageData pixel per cell, scaled up by
 * the canvas. A 160×160 matrix is 25,600 writes (well under a millisecond) where a charting
 * library would build and diff 25,600 rectangles on every live update.
 */

export type Lut = Uint8ClampedArray

/** 256 RGBA entries interpolated between the given stops (low value → first stop). */
export function buildLut(stops: readonly string[]): Lut {
  const rgb = stops.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number])
  const lut = new Uint8ClampedArray(256 * 4)
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1)
    const k = Math.min(rgb.length - 2, Math.floor(t))
    const f = t - k
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = rgb[k]![c]! + (rgb[k + 1]![c]! - rgb[k]![c]!) * f
    lut[i * 4 + 3] = 255
  }
  return lut
}

/**
 * Fills `pixels` (n × n RGBA) from the lower-triangular rows, mirrored; cells without a value
 * stay transparent. Returns the largest distance, which the colour scale spans.
 */
export function paintMatrix(rows: readonly (readonly number[])[], lut: Lut, pixels: Uint8ClampedArray, max?: number): number {
  const n = rows.length
  let top = max ?? 0
  if (max === undefined) for (const row of rows) for (const d of row) if (Number.isFinite(d) && d > top) top = d
  const scale = 255 / Math.max(top, 1e-9)
  pixels.fill(0)
  for (let t = 0; t < n; t++) {
    const row = rows[t]!
    for (let s = 0; s <= t && s < row.length; s++) {
      const d = row[s]!
      if (!Number.isFinite(d)) continue
      const i = Math.min(255, Math.max(0, Math.round(d * scale))) * 4
      for (const o of [(t * n + s) * 4, (s * n + t) * 4]) {
        pixels[o] = lut[i]!
        pixels[o + 1] = lut[i + 1]!
        pixels[o + 2] = lut[i + 2]!
        pixels[o + 3] = 255
      }
    }
  }
  return top
}

/** About `target` evenly spaced tick indices over 0..n−1, always including the last. */
export function ticks(n: number, target = 8): number[] {
  if (n <= 0) return []
  const step = Math.max(1, Math.ceil(n / target))
  const out: number[] = []
  for (let i = 0; i < n; i += step) out.push(i)
  if (out.at(-1) !== n - 1 && n - 1 - out.at(-1)! >= step / 2) out.push(n - 1)
  return out
}
