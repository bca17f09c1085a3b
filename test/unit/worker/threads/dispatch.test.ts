/**
 * The job protocol the calling thread and the helper threads share, on one thread with recording
 * kernels: which bands a job's chunks cover, what each operation is called with, and that a
 * claimer late for a finished job takes nothing of the next.
 */
import { describe, expect, it } from 'vitest'
import type { GemmSimd, SgdSimd } from '../../../../src-main/worker/backends/wasm/kernels/simd'
import { claimChunks, DONE, newControl, OPS, runBand, writeJob, type BandKernels } from '../../../../src-main/worker/threads/dispatch'

type Call = [string, ...number[]]

function recording(): { kernels: BandKernels; calls: Call[] } {
  const calls: Call[] = []
  const gemm: GemmSimd = {
    gemmTN: (...a) => void calls.push(['gemmTN', ...a]),
    transpose: (...a) => void calls.push(['transpose', ...a]),
  }
  const sgd: SgdSimd = { sgdMomentum: (...a) => void calls.push(['sgdMomentum', ...a]) }
  return { kernels: { gemm, sgd }, calls }
}

describe('helper-pool jobs', () => {
  it('runs every chunk of a job once, in bands that tile the range', () => {
    const { kernels, calls } = recording()
    const c = newControl()
    // a product of 100 columns in chunks of 16: 7 chunks, the last one short
    writeJob(c, 5, OPS.gemmTN, [1000, 4, 2000, 8, 3000, 12, 3, 9], undefined, 7, 16, 100)
    claimChunks(c, 5, kernels)
    expect(Atomics.load(c.ctrl, DONE)).toBe(7)
    expect(calls.map((k) => k.slice(-2))).toEqual([0, 16, 32, 48, 64, 80, 96].map((lo) => [lo, Math.min(100, lo + 16)]))
    expect(calls[0]).toEqual(['gemmTN', 1000, 4, 2000, 8, 3000, 12, 3, 9, 0, 16])
  })

  it('offsets transposes and updates by their band, as the whole job on one thread would', () => {
    const { kernels, calls } = recording()
    runBand(kernels, OPS.transpose, [1000, 5000, 12, 7], [], 4, 8)
    runBand(kernels, OPS.sgdMomentum, [100, 200, 300, 400, 500], [0.5, 0.25, 0.125], 8, 12)
    expect(calls).toEqual([
      ['transpose', 1000 + 4 * 7 * 4, 5000 + 4 * 4, 4, 7, 12],
      ['sgdMomentum', 132, 232, 332, 432, 532, 4, 0.5, 0.25, 0.125],
    ])
    // through the control block the float arguments are float32, as the kernels take them
    const c = newControl()
    writeJob(c, 1, OPS.sgdMomentum, [100, 200, 300, 400, 500], [0.1, 0.9, 5e-4], 1, 8, 8)
    calls.length = 0
    claimChunks(c, 1, kernels)
    expect(calls).toEqual([['sgdMomentum', 100, 200, 300, 400, 500, 8, Math.fround(0.1), Math.fround(0.9), Math.fround(5e-4)]])
  })

  it('gives a claimer late for a finished job nothing of the next one', () => {
    const { kernels, calls } = recording()
    const c = newControl()
    writeJob(c, 2, OPS.transpose, [0, 0, 64, 4], undefined, 4, 16, 64)
    claimChunks(c, 1, kernels) // job 1 is over
    expect(calls).toEqual([])
    expect(Atomics.load(c.ctrl, DONE)).toBe(0)
    claimChunks(c, 2, kernels)
    expect(calls).toHaveLength(4)
    claimChunks(c, 2, kernels) // nothing left
    expect(calls).toHaveLength(4)
  })
})
