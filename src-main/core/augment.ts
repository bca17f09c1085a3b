/**
 * Image augmentation of the CIFAR protocol (torchvision Pad 4 + RandomCrop + RandomHorizontalFlip,
 * algorithms.md §4.1), applied to a training batch in place: each image shifted by a random
 * (dy, dx) ∈ [−pad, pad]² with the uncovered border filled by the value of a black pixel, then
 * mirrored left–right with probability ½. Drawn from a seeded generator, so a run's batches are the
 * same on every run and every resume.
 */
import type { Rng } from './random'

export interface CropFlip {
  /** [H, W, C] of one image (NHWC) */
  shape: [number, number, number]
  /** per channel: what a padded pixel holds (raw 0 after the dataset's normalisation) */
  fill: number[]
  pad: number
}

/** Shifts and flips `count` images of `x` in place. */
export function cropFlip(x: Float32Array, count: number, aug: CropFlip, rng: Rng): void {
  const [h, w, c] = aug.shape
  const size = h * w * c
  const tmp = new Float32Array(size)
  for (let n = 0; n < count; n++) {
    const dy = rng.int(2 * aug.pad + 1) - aug.pad
    const dx = rng.int(2 * aug.pad + 1) - aug.pad
    const flip = rng.next() < 0.5
    const img = x.subarray(n * size, (n + 1) * size)
    tmp.set(img)
    for (let y = 0; y < h; y++) {
      const sy = y + dy
      for (let xo = 0; xo < w; xo++) {
        // output column xo reads the shifted column, mirrored after the crop
        const sx = (flip ? w - 1 - xo : xo) + dx
        const out = (y * w + xo) * c
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) for (let k = 0; k < c; k++) img[out + k] = aug.fill[k] ?? 0
        else {
          const src = (sy * w + sx) * c
          for (let k = 0; k < c; k++) img[out + k] = tmp[src + k]!
        }
      }
    }
  }
}
