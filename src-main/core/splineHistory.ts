/**
 * The epoch × epoch spline-distance matrix, grown one row per recorded epoch. Every epoch's
 * codes are kept (bit-packed) so the full matrix exists for every layer and for the mean
 * over layers (each layer weighted 1/L, as the reference's detect_eb does).
 */
import { codeDistance, type LayerCode } from './splineCodes'

export const MEAN_LAYER = 'mean'

export class SplineHistory {
  private readonly epochs: LayerCode[][] = []
  /** rows[layer][t][s] = d(t, s) for s ≤ t */
  readonly rows: Record<string, number[][]> = {}

  constructor(readonly layers: string[]) {
    if (layers.length === 0) throw new Error('a spline history needs at least one layer')
    for (const name of [...layers, MEAN_LAYER]) this.rows[name] = []
  }

  get length(): number {
    return this.epochs.length
  }

  /** The codes of recorded epoch t (0-based), as checkpoints store them. */
  codesAt(t: number): LayerCode[] {
    const codes = this.epochs[t]
    if (!codes) throw new Error(`no codes recorded for epoch ${t + 1}`)
    return codes
  }

  /** Adds one epoch's codes (one per layer, in `layers` order); returns the new row per layer. */
  add(codes: LayerCode[]): Record<string, number[]> {
    if (codes.length !== this.layers.length) {
      throw new Error(`expected codes for ${this.layers.length} layers, got ${codes.length}`)
    }
    const t = this.epochs.length
    const row: Record<string, number[]> = {}
    const mean = new Array<number>(t + 1).fill(0)
    this.layers.forEach((name, l) => {
      const r = new Array<number>(t + 1)
      for (let s = 0; s < t; s++) r[s] = codeDistance(codes[l]!, this.epochs[s]![l]!)
      r[t] = 0
      for (let s = 0; s <= t; s++) mean[s]! += r[s]! / this.layers.length
      row[name] = r
    })
    row[MEAN_LAYER] = mean
    this.epochs.push(codes)
    for (const [name, r] of Object.entries(row)) this.rows[name]!.push(r)
    return row
  }

  /** d(t, s) of a layer (or MEAN_LAYER), symmetric. */
  distance(layer: string, t: number, s: number): number {
    const rows = this.rows[layer]
    if (!rows) throw new Error(`unknown layer '${layer}'`)
    return t >= s ? rows[t]![s]! : rows[s]![t]!
  }
}
