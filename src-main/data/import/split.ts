/**
 * Seeded train/test splits (recorded with the dataset so a re-import reproduces them) and a
 * growable typed array for labels whose count is not known in advance.
 */
import { createRng, permutation } from '../../core/random'

export const DEFAULT_SPLIT_SEED = 0
export const DEFAULT_TEST_FRACTION = 0.2

/** isTest[i] for n items: exactly round(n·fraction) test items (at least one when n ≥ 2). */
export function splitMask(n: number, seed: number, fraction: number): Uint8Array {
  const mask = new Uint8Array(n)
  if (n < 2) return mask
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * fraction)))
  const order = permutation(n, createRng(seed))
  for (let i = 0; i < nTest; i++) mask[order[i]!] = 1
  return mask
}

export class Growable<T extends Int32Array | Float32Array> {
  private data: T
  length = 0

  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024)
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }

  toArray(): T {
    return this.data.slice(0, this.length) as T
  }
}

export const growInt = () => new Growable((n) => new Int32Array(n))
export const growFloat = () => new Growable((n) => new Float32Array(n))
