/**
 * What a bench run measures and how its rounds are merged: the configuration rows, and the
 * spline watch's share of an epoch. Kept apart from run.ts (which runs on import) for the tests.
 */
import { WASM_KERNEL_NAMES } from '../src-main/worker/backends/wasm/kernels/registry'
import { median, type RunConfig, type RunResult } from './harness'
import type { BenchOptions } from './options'
import type { SplineWatchResult } from './splineWatch'
import type { SplineRow, TorchResult } from './types'

/** Each row adds our kernels to the one before; kernels not named here get a row of their own. */
const KERNEL_STEPS: [string, string[]][] = [
  ['wasm stock', ['Conv2DBackpropFilter']],
  ['+ BatchMatMul', ['BatchMatMul']],
  ['+ Conv2DBackpropInput', ['Conv2DBackpropInput']],
  ['+ MaxPoolGrad', ['MaxPoolGrad']],
  ['+ Sum, Mean (float64)', ['Sum', 'Mean']],
  ['+ Tile', ['Tile']],
  ['+ Identity, Cast', ['Identity', 'Cast']],
]

export function configs(opts: BenchOptions, threads: number): RunConfig[] {
  const base = { backend: 'wasm' as const, threads: 1, models: opts.models, batch: 64, ...opts.timing }
  // Stock wasm cannot train a CNN at all without the missing Conv2DBackpropFilter.
  const rest = WASM_KERNEL_NAMES.filter((k) => !KERNEL_STEPS.some(([, ks]) => ks.includes(k)))
  const steps: [string, string[]][] = opts.quick
    ? [KERNEL_STEPS[0]!, ['wasm ours', [...WASM_KERNEL_NAMES]]]
    : [...KERNEL_STEPS, ...(rest.length > 0 ? [[`+ ${rest.map((k) => k.replace(/^SplineLab/, '')).join(', ')}`, rest] as [string, string[]]] : [])]
  const out: RunConfig[] = []
  let kernels: string[] = []
  for (const [i, [label, add]] of steps.entries()) {
    kernels = [...new Set([...kernels, ...add])]
    out.push({ ...base, label: i === steps.length - 1 && !opts.quick ? `wasm ours (${label})` : label, kernels })
  }
  // Both cores the trainer's ways: dense products split over helper threads (worker/threads/helperPool.ts,
  // the default on one trainer worker), the batch split over two trainer workers
  // (worker/parallel, 'auto' for conv nets), and XNNPACK's own threads (opt-in).
  if (threads > 1) out.push({ ...base, label: `wasm ours, dense products on ${threads} threads`, kernels, gemmThreads: threads })
  if (threads > 1) out.push({ ...base, label: 'wasm ours, 2 trainer workers', kernels, step: 'parallel-2' })
  if (threads > 1) out.push({ ...base, label: `wasm ours, ${threads} wasm threads`, kernels, threads })
  // cpu is 50–500× slower: mlp and cnn only (a vgg11 step takes minutes), one warm-up step and
  // two one-step windows.
  const cpuModels = opts.models.filter((m) => m === 'mlp' || (!opts.quick && m === 'cnn'))
  if (opts.cpu && cpuModels.length > 0) {
    out.push({ ...base, label: 'cpu (plain JS)', backend: 'cpu', kernels: [], models: cpuModels, warmupSeconds: 0, windows: 2, windowSeconds: 0 })
  }
  return out
}

/** One result per configuration: the median over the windows of all rounds. */
export function mergeRuns(rounds: RunResult[][]): RunResult[] {
  const byLabel = new Map<string, RunResult[]>()
  for (const round of rounds) for (const r of round) byLabel.set(r.config.label, [...(byLabel.get(r.config.label) ?? []), r])
  return [...byLabel.values()].map((rs) => ({
    ...rs[0]!,
    results: rs[0]!.results.map((first) => {
      const windows = rs.flatMap((r) => r.results.find((x) => x.model === first.model)!.windows)
      const sps = median(windows)
      return { ...first, windows, samplesPerSec: sps, msPerStep: (rs[0]!.config.batch * 1000) / sps }
    }),
  }))
}

export function mergeTorch(rounds: (TorchResult[] | string)[]): TorchResult[] | string {
  const ok = rounds.filter((r): r is TorchResult[] => typeof r !== 'string')
  if (ok.length === 0) return rounds[0] ?? 'PyTorch not measured'
  return ok[0]!.map((first) => {
    const windows = ok.flatMap((r) => r.find((x) => x.model === first.model && x.threads === first.threads)?.windows ?? [])
    return { ...first, windows, samplesPerSec: median(windows) }
  })
}

/** The watch's cost as a share of an epoch of `epochImages` at our measured 1-thread training rate. */
export function splineRows(results: SplineWatchResult[], runs: RunResult[], epochImages: number): SplineRow[] {
  const ours = runs.filter((r) => r.config.backend === 'wasm' && r.threads === 1 && (r.config.step ?? 'local') === 'local' && (r.config.gemmThreads ?? 1) === 1)
  const full = Math.max(0, ...ours.map((r) => r.kernels.length))
  const rateRun = ours.find((r) => r.kernels.length === full)
  return results.map((s) => {
    const rate = rateRun?.results.find((x) => x.model === s.model)?.samplesPerSec
    const seconds = rate ? epochImages / rate : null
    const share = (ms: number): number | null => (seconds === null ? null : (ms / 1000 / seconds) * 100)
    const cost = s.recordMs.map((r, i) => r + s.matrixMs[i]!)
    return {
      ...s,
      epochImages,
      rateFrom: rate ? rateRun!.config.label : null,
      epochTrainSeconds: seconds,
      meanPercent: share(cost.reduce((a, b) => a + b, 0) / cost.length),
      lastPercent: share(cost.at(-1)!),
    }
  })
}
