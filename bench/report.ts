/** The bench's JSON shape and its table. */
import type { KernelTime, RunResult } from './harness'
import type { GradRow, KernelRow } from './kernels'
import type { ModelName } from './models'

export interface TorchResult {
  model: ModelName
  samplesPerSec: number
  windows: number[]
  threads: number
  version: string
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
  /** configurations took turns this many times; each figure is the median of all its windows */
  rounds: number
  runs: RunResult[]
  /** results, or why PyTorch was not measured */
  torch: TorchResult[] | string
  kernels: { kernels: KernelRow[]; gradients: GradRow[] } | null
  profile: Record<string, KernelTime[]> | null
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s)
const num = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
const sci = (x: number | null): string => (x === null ? '–' : x === 0 ? '0' : x.toExponential(1))

function table(head: string[], rows: string[][], right: boolean[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => r.map((c, i) => (right[i] ? lpad(c, w[i]!) : pad(c, w[i]!))).join('  ')
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n')
}

export function printReport(r: BenchReport, file: string): void {
  const out: string[] = []
  const m = r.machine
  out.push(`\nSpline Lab bench — ${r.startedAt}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`)
  out.push(`node ${m.node}, tfjs ${m.tfjs}, batch ${r.batch}, ${r.rounds} round(s); load average ` +
    `${m.loadAverage.before[0]!.toFixed(2)} → ${m.loadAverage.after[0]!.toFixed(2)}\n`)
  const torch = typeof r.torch === 'string' ? [] : r.torch
  const models = [...new Set(r.runs.flatMap((x) => x.results.map((y) => y.model)))]
  const rows: string[][] = []
  for (const model of models) {
    const stock = r.runs.find((x) => x.config.label === 'wasm stock')?.results.find((y) => y.model === model)
    let prev: number | null = null
    for (const run of r.runs) {
      const res = run.results.find((y) => y.model === model)
      if (!res) continue
      const isWasm = run.config.backend === 'wasm'
      rows.push([
        model, run.config.label + (run.threadsNote ? ` (${run.threadsNote})` : ''), num(res.samplesPerSec),
        num(res.msPerStep), stock && isWasm ? `${num(res.samplesPerSec / stock.samplesPerSec)}×` : '',
        prev !== null && isWasm ? `${num(res.samplesPerSec / prev)}×` : '',
      ])
      if (isWasm) prev = res.samplesPerSec
    }
    for (const t of torch.filter((x) => x.model === model)) {
      rows.push([model, `PyTorch ${t.version}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`,
        num(t.samplesPerSec), num((r.batch * 1000) / t.samplesPerSec), '', ''])
    }
  }
  out.push(table(['model', 'configuration', 'samples/s', 'ms/step', 'vs stock', 'vs prev row'], rows,
    [false, false, true, true, true, true]))
  if (typeof r.torch === 'string') out.push(`\n${r.torch}`)
  else {
    out.push('\nours / PyTorch (same run):')
    const all = Math.max(...r.runs.map((x) => x.kernels.length))
    const ours = r.runs.filter((x) => x.config.backend === 'wasm' && x.kernels.length === all)
    for (const model of models) {
      const line = (label: string, a: number | undefined, b: number | undefined): void => {
        if (a !== undefined && b !== undefined) out.push(`  ${pad(model, 4)} ${pad(label, 50)} ${(a / b).toFixed(2)}×`)
      }
      const rate = (run: RunResult): number | undefined => run.results.find((y) => y.model === model)?.samplesPerSec
      const t = torch.filter((x) => x.model === model)
      for (const run of ours) {
        line(`${run.config.label} vs PyTorch ${run.threads} thread(s)`, rate(run),
          t.find((x) => x.threads === run.threads)?.samplesPerSec)
      }
      const best = (xs: (number | undefined)[]): number | undefined => {
        const ok = xs.filter((x): x is number => x !== undefined)
        return ok.length > 0 ? Math.max(...ok) : undefined
      }
      line('best of ours vs best of PyTorch', best(ours.map(rate)), best(t.map((x) => x.samplesPerSec)))
    }
  }
  if (r.kernels) {
    out.push('\nkernels at the bench sizes (wasm, 1 thread; error = max|a−b| / max|cpu|):')
    out.push(table(['kernel', 'case', 'stock ms', 'ours ms', 'speedup', 'stock err', 'ours err'],
      r.kernels.kernels.map((k) => [k.kernel, k.label, k.stockMs === null ? 'missing' : num(k.stockMs), num(k.oursMs),
        k.stockMs === null ? '' : `${num(k.stockMs / k.oursMs)}×`, sci(k.stockErr), sci(k.oursErr)]),
      [false, false, true, true, true, true, true]))
    out.push('\nwhole-model gradient vs cpu (max over parameters of the relative error):')
    for (const g of r.kernels.gradients) out.push(`  ${pad(g.model, 4)} stock wasm ${sci(g.stockErr)}   ours ${sci(g.oursErr)}`)
  }
  if (r.profile) {
    for (const [model, ks] of Object.entries(r.profile)) {
      out.push(`\nprofile of one ${model} step with our kernels (1 thread):`)
      for (const k of ks) out.push(`  ${lpad(k.ms.toFixed(2), 7)} ms  ${k.calls}×  ${k.kernel}`)
    }
  }
  out.push(`\nwritten ${file} (${r.seconds.toFixed(0)} s)\n`)
  process.stdout.write(out.join('\n') + '\n')
}
