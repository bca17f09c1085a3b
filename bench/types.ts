/** The JSON a bench run writes (bench/results/bench-<time>.json and `--json`), section by section. */
import type { EpochResult } from './epoch'
import type { KernelTime, RunResult } from './harness'
import type { GradRow, KernelRow } from './kernels'
import type { ModelName } from './models'
import type { Section } from './options'
import type { SplineWatchResult } from './splineWatch'
import type { StoreResult } from './storeBench'

export interface TorchResult {
  model: ModelName
  samplesPerSec: number
  windows: number[]
  threads: number
  version: string
  params: number
}

/** The same model on both sides: trainable parameter counts and the sorted tensor sizes. */
export interface ParamCheck {
  model: ModelName
  ours: number
  oursSizes: number[]
  torch: number | null
  torchSizes: number[] | null
  /** null when PyTorch was not asked or could not answer (torchNote says which) */
  equal: boolean | null
  torchNote: string | null
}

export interface SplineRow extends SplineWatchResult {
  /** the epoch the cost is a share of: `epochImages` at the training rate of `rateFrom` */
  epochImages: number
  rateFrom: string | null
  epochTrainSeconds: number | null
  /** (record + matrix) / epoch training time, in %: averaged over the epochs, and the last epoch */
  meanPercent: number | null
  lastPercent: number | null
}

export interface BenchReport {
  startedAt: string
  seconds: number
  machine: {
    cpu: string
    cores: number
    memoryGiB: number
    platform: string
    node: string
    tfjs: string
    loadAverage: { before: number[]; after: number[] }
  }
  batch: number
  quick: boolean
  sections: Section[]
  /** configurations took turns this many times; each figure is the median of all its windows */
  rounds: number
  runs: RunResult[]
  /** results, or why PyTorch was not measured */
  torch: TorchResult[] | string
  params: ParamCheck[]
  /** the Fashion-MNIST epoch: ours and PyTorch's rows; why it was not measured at all (skipped) or
   * why PyTorch's rows are missing (torchNote) */
  epoch: { rows: EpochResult[]; skipped: string | null; torchNote: string | null } | null
  spline: SplineRow[] | null
  store: StoreResult | null
  kernels: { kernels: KernelRow[]; gradients: GradRow[] } | null
  profile: Record<string, KernelTime[]> | null
}
