/**
 * The original early-bird detector (EB tickets, ICLR 2020; reference/algorithms.md §2.2): a global
 * channel mask from the top-(1−p) BN |γ|, a FIFO of the last 5 masks, and the ticket drawn when the
 * newest mask is within 0.1 (normalized Hamming, ≤) of each of the 4 older ones. Masks are taken
 * at the start of every epoch (the first one at initialisation), over the prunable channels.
 */
export interface BnEbOptions {
  ratio: number
  queue: number
  threshold: number
}

export interface BnEbPoint {
  /** epochs completed when the mask was taken */
  epoch: number
  maxDistance: number | null
  threshold: number
}

/** mask = |γ| > the value at index floor(total·ratio) of the sorted |γ| (the reference's rule). */
export function bnMask(gammaAbs: Float32Array, ratio: number): Uint8Array {
  const sorted = Float32Array.from(gammaAbs).sort()
  const thre = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * ratio))]!
  return gammaAbs.map((g) => (g > thre ? 1 : 0)) as unknown as Uint8Array
}

export interface BnEbState {
  masks: number[][]
  trace: BnEbPoint[]
  ebEpoch: number | null
}

export class BnEbDetector {
  readonly trace: BnEbPoint[] = []
  ebEpoch: number | null = null
  private readonly masks: Uint8Array[] = []

  constructor(private readonly options: BnEbOptions) {}

  /** What a checkpoint needs to continue the detector exactly: its queue, trace and ticket. */
  state(): BnEbState {
    return { masks: this.masks.map((m) => Array.from(m)), trace: this.trace.map((p) => ({ ...p })), ebEpoch: this.ebEpoch }
  }

  restore(state: BnEbState): void {
    this.masks.splice(0, this.masks.length, ...state.masks.map((m) => Uint8Array.from(m)))
    this.trace.splice(0, this.trace.length, ...state.trace)
    this.ebEpoch = state.ebEpoch
  }

  update(gammaAbs: Float32Array, completedEpochs: number): BnEbPoint {
    const mask = Uint8Array.from(bnMask(gammaAbs, this.options.ratio))
    this.masks.push(mask)
    if (this.masks.length > this.options.queue) this.masks.shift()
    let maxDistance: number | null = null
    if (this.masks.length === this.options.queue) {
      maxDistance = 0
      for (let i = 0; i < this.masks.length - 1; i++) maxDistance = Math.max(maxDistance, maskDistance(mask, this.masks[i]!))
      if (this.ebEpoch === null && maxDistance <= this.options.threshold) this.ebEpoch = completedEpochs
    }
    const point = { epoch: completedEpochs, maxDistance, threshold: this.options.threshold }
    this.trace.push(point)
    return point
  }
}

export function maskDistance(a: Uint8Array, b: Uint8Array): number {
  let same = 0
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++
  return 1 - same / a.length
}
