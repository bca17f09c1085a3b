/** The bench's tables, from its JSON (a fresh run, or `--report FILE` of an earlier one). */
import { stepWorkers, type RunResult } from './harness'
import type { BenchReport, TorchResult } from './types'
import { lpad, num, pad, sci, table } from './format'
import { epochLines, paramLines, splineLines, storeLines } from './reportSections'

export type { BenchReport, TorchResult } from './types'

const modelsOf = (r: BenchReport): string[] => [...new Set(r.runs.flatMap((x) => x.results.map((y) => y.model)))]

/** Our wasm rows with every kernel: one thread, dense products on helper threads, trainer workers, wasm threads. */
export function oursRuns(r: BenchReport): RunResult[] {
  const all = Math.max(0, ...r.runs.map((x) => x.kernels.length))
  return r.runs.filter((x) => x.config.backend === 'wasm' && x.kernels.length === all)
}

/** Cores a row trains on: wasm (or dense-product) threads × trainer workers ('parallel-N' steps). */
export function coresOf(run: RunResult): number {
  return Math.max(run.threads, run.config.gemmThreads ?? 1) * stepWorkers(run.config.step)
}

function trainingLines(r: BenchReport): string[] {
  const torch = typeof r.torch === 'string' ? [] : r.torch
  const rows: string[][] = []
  for (const model of modelsOf(r)) {
    const stock = r.runs.find((x) => x.config.label === 'wasm stock')?.results.find((y) => y.model === model)
    let prev: number | null = null
    for (const run of r.runs) {
      const res = run.results.find((y) => y.model === model)
      if (!res) continue
      const isWasm = run.config.backend === 'wasm'
      rows.push([
        model,
        run.config.label + (run.threadsNote ? ` (${run.threadsNote})` : ''),
        num(res.samplesPerSec),
        num(res.msPerStep),
        stock && isWasm ? `${num(res.samplesPerSec / stock.samplesPerSec)}×` : '',
        prev !== null && isWasm ? `${num(res.samplesPerSec / prev)}×` : '',
      ])
      if (isWasm) prev = res.samplesPerSec
    }
    for (const t of torch.filter((x) => x.model === model)) {
      rows.push([
        model,
        `PyTorch ${t.version}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`,
        num(t.samplesPerSec),
        num((r.batch * 1000) / t.samplesPerSec),
        '',
        '',
      ])
    }
  }
  if (rows.length === 0) return []
  return [
    'training samples/s (Network + localStep + SgdMomentum, synthetic batches):',
    table(['model', 'configuration', 'samples/s', 'ms/step', 'vs stock', 'vs prev row'], rows, [false, false, true, true, true, true]),
  ]
}

function ratioLines(r: BenchReport): string[] {
  if (r.runs.length === 0) return []
  if (typeof r.torch === 'string') return [r.torch]
  const torch: TorchResult[] = r.torch
  const rows: string[][] = []
  const ours = oursRuns(r)
  for (const model of modelsOf(r)) {
    const line = (label: string, a: number | undefined, b: number | undefined): void => {
      if (a !== undefined && b !== undefined) rows.push([model, label, `${(a / b).toFixed(2)}×`])
    }
    const rate = (run: RunResult): number | undefined => run.results.find((y) => y.model === model)?.samplesPerSec
    const t = torch.filter((x) => x.model === model)
    for (const run of ours) {
      const cores = coresOf(run)
      line(`${run.config.label} vs PyTorch ${cores} thread(s)`, rate(run), t.find((x) => x.threads === cores)?.samplesPerSec)
    }
    const best = (xs: (number | undefined)[]): number | undefined => {
      const ok = xs.filter((x): x is number => x !== undefined)
      return ok.length > 0 ? Math.max(...ok) : undefined
    }
    line('best of ours vs best of PyTorch', best(ours.map(rate)), best(t.map((x) => x.samplesPerSec)))
  }
  return ['ours / PyTorch, samples/s (same run):', table(['model', 'comparison', 'ratio'], rows, [false, false, true])]
}

function kernelLines(r: BenchReport): string[] {
  if (!r.kernels) return []
  return [
    'kernels at the bench sizes (wasm, 1 thread; error = max|a−b| / max|cpu|):',
    table(
      ['kernel', 'case', 'stock ms', 'ours ms', 'speedup', 'stock err', 'ours err'],
      r.kernels.kernels.map((k) => [
        k.kernel,
        k.label,
        k.stockMs === null ? 'missing' : num(k.stockMs),
        num(k.oursMs),
        k.stockMs === null ? '' : `${num(k.stockMs / k.oursMs)}×`,
        sci(k.stockErr),
        sci(k.oursErr),
      ]),
      [false, false, true, true, true, true, true],
    ),
    '',
    'whole-model gradient vs cpu (max over parameters of the relative error):',
    ...r.kernels.gradients.map((g) => `  ${pad(g.model, 5)} stock wasm ${sci(g.stockErr)}   ours ${sci(g.oursErr)}`),
  ]
}

function profileLines(r: BenchReport): string[] {
  if (!r.profile) return []
  return Object.entries(r.profile).flatMap(([model, ks]) => [
    `profile of one ${model} step with our kernels (1 thread):`,
    ...ks.map((k) => `  ${lpad(k.ms.toFixed(2), 7)} ms  ${k.calls}×  ${k.kernel}`),
    '',
  ])
}

/** `source`: where the JSON went (a fresh run) or came from (`--report`). */
export function formatReport(r: BenchReport, source: string): string {
  const m = r.machine
  const head = [
    `Spline Lab bench — ${r.startedAt}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`,
    `node ${m.node}, tfjs ${m.tfjs}, batch ${r.batch}, ${r.rounds} round(s)${r.quick ? ', --quick' : ''}; load average ` +
      `${m.loadAverage.before[0]!.toFixed(2)} → ${m.loadAverage.after[0]!.toFixed(2)}`,
  ]
  const blocks = [head, trainingLines(r), paramLines(r), ratioLines(r), epochLines(r), splineLines(r), storeLines(r), kernelLines(r), profileLines(r)]
  return ['', ...blocks.filter((b) => b.length > 0).map((b) => b.join('\n')), `${source} (${r.seconds.toFixed(0)} s)`, ''].join('\n\n')
}

export function printReport(r: BenchReport, source: string): void {
  process.stdout.write(formatReport(r, source))
}
