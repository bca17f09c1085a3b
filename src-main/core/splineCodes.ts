/**
 * Spline partition codes: the sign pattern of a layer's pre-activations on the probe set,
 * packed 32 bits per word. Bit i of a layer's code is (value[i] > 0) for the row-major
 * [probe, feature] layout; the distance between two codes is the normalized Hamming distance
 * (reference/algorithms.md §1.3).
 */

export interface LayerCode {
  /** number of meaningful bits (probes × features) */
  bits: number
  words: Uint32Array
  /** channels, when the bits are laid out channel-major (bits / channels per channel) */
  channels?: number
}

/** Packs `values > 0` into a bit code. */
export function packSigns(values: ArrayLike<number>): LayerCode {
  const bits = values.length
  const words = new Uint32Array((bits + 31) >>> 5)
  for (let w = 0, i = 0; w < words.length; w++) {
    let word = 0
    const end = Math.min(i + 32, bits)
    for (let b = 0; i < end; i++, b++) if (values[i]! > 0) word |= 1 << b
    words[w] = word >>> 0
  }
  return { bits, words }
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/** Normalized Hamming distance in [0, 1] between two codes of the same layer. */
export function codeDistance(a: LayerCode, b: LayerCode): number {
  if (a.bits !== b.bits) throw new Error(`code sizes differ: ${a.bits} vs ${b.bits} bits`)
  if (a.bits === 0) return 0
  let diff = 0
  const wa = a.words
  const wb = b.words
  for (let i = 0; i < wa.length; i++) diff += popcount32((wa[i]! ^ wb[i]!) >>> 0)
  return diff / a.bits
}

/** Bytes held by a set of codes (for the memory report). */
export function codeBytes(codes: LayerCode[]): number {
  return codes.reduce((n, c) => n + c.words.byteLength, 0)
}
