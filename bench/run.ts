/**
 * `npm run bench`: training samples/s per backend × model, stock wasm vs each of our kernels
 * added in turn, wasm threads, PyTorch from the same run as the measuring stick, and the
 * per-kernel table. Prints a table and writes bench/results/bench-<time>.json.
 *
 *   npm run bench                       full run: 3 rounds (≈ 8 min on 2 cores)
 *   npm run bench -- --quick            1 round of stock, ours, ours+threads; no cpu cnn
 *   npm run bench -- --rounds 5         more rounds on a noisy machine
 *   npm run bench -- --models cnn --no-torch --no-kernels --profile
 *   npm run bench -- --json             JSON on stdout instead of the table
 *   npm run bench -- --report FILE      print the table of an earlier run's JSON
 *
 * Every configuration runs in its own Node process (see harness.ts). Numbers move with machine
 * load: the load average is recorded, and ratios are only meaningful within one run.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { WASM_KERNEL_NAMES } from '../src-main/worker/kernels'
import { profileModel, runChild, setUp, type RunConfig, type RunResult } from './harness'
import { gradientErrors, kernelBench } from './kernels'
import { MODELS, type ModelName } from './models'
import { printReport, type BenchReport, type TorchResult } from './report'

const MARK = '@@bench '
const ROOT = join(import.meta.dirname, '..', '..')

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    json: { type: 'boolean', default: false },
    models: { type: 'string', default: MODELS.join(',') },
    'no-torch': { type: 'boolean', default: false },
    'no-cpu': { type: 'boolean', default: false },
    'no-kernels': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    threads: { type: 'string' },
    child: { type: 'string' },
    report: { type: 'string' },
  },
})

/** Child modes print one marked JSON line; tfjs's own chatter on stdout is ignored. */
function emit(value: unknown): void {
  process.stdout.write(`\n${MARK}${JSON.stringify(value)}\n`, () => process.exit(0))
}

function child(args: string[], env: NodeJS.ProcessEnv = {}): unknown {
  const r = spawnSync(process.execPath, [process.argv[1]!, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env }, maxBuffer: 64 << 20, encoding: 'utf8',
  })
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK))
  if (r.status !== 0 || line === undefined) throw new Error(`bench child ${args.join(' ')} failed (status ${r.status})`)
  return JSON.parse(line.slice(MARK.length))
}

function configs(models: ModelName[], threads: number): RunConfig[] {
  const base = { backend: 'wasm' as const, threads: 1, models, batch: 64 }
  const timing = { warmupSeconds: 1.5, windows: 3, windowSeconds: 1 }
  // Stock wasm cannot train a CNN at all without the missing Conv2DBackpropFilter.
  const steps: [string, string[]][] = opts.quick
    ? [['wasm stock', ['Conv2DBackpropFilter']], ['wasm ours', [...WASM_KERNEL_NAMES]]]
    : [
      ['wasm stock', ['Conv2DBackpropFilter']],
      ['+ BatchMatMul', ['BatchMatMul']],
      ['+ Conv2DBackpropInput', ['Conv2DBackpropInput']],
      ['+ MaxPoolGrad', ['MaxPoolGrad']],
      ['+ Sum, Mean (float64)', ['Sum', 'Mean']],
      ['+ Tile', ['Tile']],
      ['wasm ours (+ Identity, Cast)', ['Identity', 'Cast']],
    ]
  const out: RunConfig[] = []
  let kernels: string[] = []
  for (const [label, add] of steps) {
    kernels = [...new Set([...kernels, ...add])]
    out.push({ ...base, ...timing, label, kernels })
  }
  if (threads > 1) out.push({ ...base, ...timing, label: `wasm ours, ${threads} threads`, kernels, threads })
  if (!opts['no-cpu']) {
    const cpuModels = opts.quick ? models.filter((m) => m === 'mlp') : models
    // cpu is 50–500× slower: one warm-up step and two one-step windows keep it to a minute.
    if (cpuModels.length > 0) {
      out.push({
        ...base, label: 'cpu (plain JS)', backend: 'cpu', kernels: [], models: cpuModels,
        warmupSeconds: 0, windows: 2, windowSeconds: 0,
      })
    }
  }
  return out
}

function torch(models: ModelName[], threads: number): TorchResult[] | string {
  const script = join(ROOT, 'bench', 'torch_bench.py')
  const out: TorchResult[] = []
  for (const n of [...new Set([1, threads])]) {
    const r = spawnSync('/usr/bin/python3', [script, '--models', models.join(','), '--threads', String(n)], {
      encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(n), OMP_NUM_THREADS: String(n) },
    })
    if (r.error || r.status !== 0) {
      const why = r.error?.message ?? r.stderr.trim().split('\n').pop() ?? `status ${r.status}`
      return `PyTorch not measured: ${why}`
    }
    const parsed = JSON.parse(r.stdout) as {
      torch: string; threads: number; results: { model: ModelName; samplesPerSec: number; windows: number[] }[]
    }
    for (const x of parsed.results) out.push({ ...x, threads: parsed.threads, version: parsed.torch })
  }
  return out
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** One result per configuration: the median over the windows of all rounds. */
function mergeRuns(rounds: RunResult[][]): RunResult[] {
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

function mergeTorch(rounds: (TorchResult[] | string)[]): TorchResult[] | string {
  const ok = rounds.filter((r): r is TorchResult[] => typeof r !== 'string')
  if (ok.length === 0) return rounds[0] ?? 'PyTorch not measured'
  return ok[0]!.map((first) => {
    const windows = ok.flatMap((r) => r.find((x) => x.model === first.model && x.threads === first.threads)?.windows ?? [])
    return { ...first, windows, samplesPerSec: median(windows) }
  })
}

async function main(): Promise<void> {
  if (opts.child === 'kernels') {
    await setUp({ backend: 'wasm', kernels: WASM_KERNEL_NAMES as string[], threads: 1 })
    const models = opts.models.split(',') as ModelName[]
    return emit({ kernels: await kernelBench(), gradients: await gradientErrors(models) })
  }
  if (opts.child === 'profile') {
    await setUp({ backend: 'wasm', kernels: WASM_KERNEL_NAMES as string[], threads: Number(opts.threads ?? 1) })
    const out: Record<string, unknown> = {}
    for (const m of opts.models.split(',') as ModelName[]) out[m] = await profileModel(m, 64)
    return emit(out)
  }
  if (opts.child !== undefined) return emit(await runChild(JSON.parse(opts.child) as RunConfig))
  if (opts.report !== undefined) return printReport(JSON.parse(readFileSync(opts.report, 'utf8')) as BenchReport, opts.report)

  const models = opts.models.split(',').filter((m): m is ModelName => (MODELS as readonly string[]).includes(m))
  const threads = opts.threads !== undefined ? Math.max(1, Number(opts.threads)) : Math.min(8, os.availableParallelism())
  const log = (s: string): void => {
    if (!opts.json) process.stderr.write(s)
  }
  const started = new Date()
  const loadBefore = os.loadavg()
  // Configurations (and PyTorch) take turns, round after round, so that a change in machine
  // load during the run is shared by all of them instead of skewing the ratios.
  const rounds = Math.max(1, Number(opts.rounds ?? (opts.quick ? 1 : 3)))
  const runRounds: RunResult[][] = []
  const torchRounds: (TorchResult[] | string)[] = []
  for (let r = 0; r < rounds; r++) {
    const round: RunResult[] = []
    for (const c of configs(models, threads)) {
      if (c.backend === 'cpu' && r > 0) continue // minutes per round; one is enough for a 100× gap
      log(`  round ${r + 1}/${rounds}: ${c.label} …\n`)
      round.push(child(['--child', JSON.stringify(c)]) as RunResult)
    }
    runRounds.push(round)
    if (!opts['no-torch']) {
      log(`  round ${r + 1}/${rounds}: PyTorch …\n`)
      torchRounds.push(torch(models, threads))
    }
  }
  const runs = mergeRuns(runRounds)
  const torchResults = opts['no-torch'] ? 'PyTorch skipped (--no-torch)' : mergeTorch(torchRounds)
  let kernelRows: BenchReport['kernels'] = null
  if (!opts['no-kernels']) {
    log('  measuring kernels …\n')
    kernelRows = child(['--child', 'kernels', '--models', models.join(',')]) as BenchReport['kernels']
  }
  const profile = opts.profile
    ? child(['--child', 'profile', '--models', models.join(','), '--threads', '1']) as BenchReport['profile']
    : null
  const cpu = os.cpus()
  const report: BenchReport = {
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`, node: process.version, tfjs: tf.version.tfjs,
      loadAverage: { before: loadBefore, after: os.loadavg() },
    },
    batch: 64,
    rounds,
    runs,
    torch: torchResults,
    kernels: kernelRows,
    profile,
  }
  const dir = join(ROOT, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  else printReport(report, file)
}

await main()
