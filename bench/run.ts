/**
 * `npm run bench` and `spline-lab bench`: training samples/s per backend × model on the product's
 * own training path (stock wasm, each of our kernels added in turn, wasm threads, cpu), PyTorch
 * from the same run as the measuring stick, a real Fashion-MNIST epoch, the spline watch's cost
 * and memory, SQLite writes and report rendering, and the per-kernel table. Prints a table and
 * writes bench/results/bench-<time>.json (flags: bench/options.ts, docs/performance.md).
 *
 * Every measurement with a backend runs in its own Node process (children.ts). Numbers move with
 * machine load: the load average is recorded, and ratios are only meaningful within one run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { child, emit, runTask, TRAINER_DEFAULT, type ChildTask } from './children'
import { missingFashionMnist, type EpochResult } from './epoch'
import type { RunResult } from './harness'
import type { GradRow, KernelRow } from './kernels'
import type { ModelName } from './models'
import { BenchUsageError, FULL_EPOCH, parseBenchArgs, type BenchOptions } from './options'
import { configs, mergeRuns, mergeTorch, splineRows } from './plan'
import { printReport } from './report'
import type { SplineWatchResult } from './splineWatch'
import type { StoreResult } from './storeBench'
import { findRoot, torchEpoch, torchParams, torchSamples } from './torch'
import type { BenchReport, ParamCheck, SplineRow, TorchResult } from './types'

const ROOT = findRoot(import.meta.dirname)

function paramChecks(opts: BenchOptions): ParamCheck[] {
  const ours = child<{ model: ModelName; params: number; paramSizes: number[] }[]>({ kind: 'params', models: opts.models })
  const torch = opts.torch ? torchParams(ROOT, opts.models) : null
  return ours.map((o) => {
    const t = torch !== null && typeof torch !== 'string' ? torch[o.model] : undefined
    return {
      model: o.model,
      ours: o.params,
      oursSizes: o.paramSizes,
      torch: t?.params ?? null,
      torchSizes: t?.paramSizes ?? null,
      equal: t ? t.params === o.params && t.paramSizes.join() === o.paramSizes.join() : null,
      torchNote: torch === null ? 'PyTorch not asked (--no-torch)' : typeof torch === 'string' ? torch : null,
    }
  })
}

function epochSection(opts: BenchOptions, threads: number, log: (s: string) => void): BenchReport['epoch'] {
  const missing = missingFashionMnist(opts.dataDir)
  if (missing) return { rows: [], skipped: missing, torchNote: null }
  const rows: EpochResult[] = []
  const notes: string[] = []
  for (const n of opts.quick || threads === 1 ? [1] : [1, 2]) {
    // Both cores the way the trainer uses them: the batch split over two trainer workers.
    log(`  Fashion-MNIST epoch: ours, ${n} core(s) …\n`)
    const ours =
      n === 1
        ? { threads: 1, label: 'wasm ours, 1 thread (TrainingEngine)' }
        : { threads: 1, step: 'parallel-2', label: 'wasm ours, 2 trainer workers (TrainingEngine)' }
    rows.push(
      child<EpochResult>({
        kind: 'epoch',
        config: { ...TRAINER_DEFAULT, ...ours, dataDir: opts.dataDir, images: opts.epochImages, batch: 64 },
      }),
    )
    if (!opts.torch) continue
    log(`  Fashion-MNIST epoch: PyTorch, ${n} thread(s) …\n`)
    const t = torchEpoch(ROOT, opts.dataDir, opts.epochImages, n)
    if (typeof t === 'string') notes.push(t)
    else rows.push(t)
  }
  return { rows, skipped: null, torchNote: opts.torch ? (notes.length > 0 ? notes.join('; ') : null) : 'PyTorch not asked (--no-torch)' }
}

async function main(): Promise<void> {
  let opts: BenchOptions
  try {
    opts = parseBenchArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err
    process.stderr.write(`bench: ${err.message}\n`)
    process.exit(2)
  }
  if (opts.child !== null) return emit(await runTask(JSON.parse(opts.child) as ChildTask))
  if (opts.report !== null) return printReport(JSON.parse(readFileSync(opts.report, 'utf8')) as BenchReport, `read from ${opts.report}`)

  const threads = opts.threads ?? Math.min(8, os.availableParallelism())
  const log = (s: string): void => {
    if (!opts.json) process.stderr.write(s)
  }
  const has = (s: BenchOptions['sections'][number]): boolean => opts.sections.includes(s)
  const started = new Date()
  const loadBefore = os.loadavg()
  // Configurations (and PyTorch) take turns, round after round, so that a change in machine
  // load during the run is shared by all of them instead of skewing the ratios.
  const runRounds: RunResult[][] = []
  const torchRounds: (TorchResult[] | string)[] = []
  for (let r = 0; has('training') && r < opts.rounds; r++) {
    const round: RunResult[] = []
    for (const c of configs(opts, threads)) {
      if (c.backend === 'cpu' && r > 0) continue // minutes per round; one is enough for a 100× gap
      log(`  round ${r + 1}/${opts.rounds}: ${c.label} …\n`)
      round.push(child<RunResult>({ kind: 'train', config: c }))
    }
    runRounds.push(round)
    if (opts.torch) {
      log(`  round ${r + 1}/${opts.rounds}: PyTorch …\n`)
      torchRounds.push(torchSamples(ROOT, opts.models, [...new Set([1, threads])], opts.timing))
    }
  }
  const runs = mergeRuns(runRounds)
  const torch = !opts.torch ? 'PyTorch skipped (--no-torch)' : has('training') ? mergeTorch(torchRounds) : 'PyTorch training rates not asked (--sections)'
  log('  parameter counts …\n')
  const params = paramChecks(opts)
  const epoch = has('epoch') ? epochSection(opts, threads, log) : null
  const splineModels = opts.models.filter((m) => m === 'cnn' || m === 'vgg11')
  let spline: SplineRow[] | null = null
  if (has('spline') && splineModels.length > 0) {
    log('  spline watch …\n')
    const results = child<SplineWatchResult[]>({ kind: 'spline', models: splineModels, epochs: opts.splineEpochs })
    spline = splineRows(results, runs, FULL_EPOCH)
  }
  let store: StoreResult | null = null
  if (has('store')) {
    log('  SQLite and report …\n')
    store = child<StoreResult>({ kind: 'store', epochsPerRun: 160, minSeconds: opts.quick ? 0.5 : 2, pdf: !opts.quick })
  }
  const gradModels = opts.models.filter((m) => m !== 'vgg11') // cpu needs minutes for a vgg11 gradient
  let kernels: BenchReport['kernels'] = null
  if (has('kernels')) {
    log('  kernels …\n')
    kernels = child<{ kernels: KernelRow[]; gradients: GradRow[] }>({ kind: 'kernels', models: gradModels })
  }
  const profile = opts.profile ? child<BenchReport['profile']>({ kind: 'profile', models: opts.models }) : null
  const cpu = os.cpus()
  const report: BenchReport = {
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      tfjs: tf.version.tfjs,
      loadAverage: { before: loadBefore, after: os.loadavg() },
    },
    batch: 64,
    quick: opts.quick,
    sections: opts.sections,
    rounds: opts.rounds,
    runs,
    torch,
    params,
    epoch,
    spline,
    store,
    kernels,
    profile,
  }
  const dir = opts.outDir ?? (ROOT ? join(ROOT, 'bench', 'results') : join(process.cwd(), 'bench-results'))
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  else printReport(report, `written ${file}`)
  if (params.some((p) => p.equal === false)) {
    process.stderr.write('bench: the parameter counts of ours and PyTorch differ: the ratios compare different models\n')
    process.exitCode = 1
  }
}

await main()
