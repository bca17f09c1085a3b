/**
 * The self-contained HTML report: one file, inline CSS and SVG charts, no scripts, no fetches,
 * so it opens anywhere, archives well and prints to the same PDF. Every value is escaped.
 */
import type { RunDetail } from '../contract/api'
import {
  aggregate,
  claimWarnings,
  configDiff,
  formatChange,
  formatCount,
  pairedAgainst,
  reproduceCommand,
  shownValue,
  type Aggregate,
  type AggregateInput,
} from '../common/analysis'
import { archDiff, widthLabel } from '../common/archDiff'
import { LIGHT_THEME, aggregateOption, archBarsOption, ebTraceOption } from '../common/chartOptions'
import { curvesOption, heatmapOption, renderSvg } from './svg'
import { REPORT_CSS } from './reportStyle'

export interface Environment {
  app: string
  exportedAt: string
  node: string
  platform: string
  cpus: string
  transport?: string
  /** the trainer's backend report, when the trainer has started in this process */
  backend?: { backend: string; tfjsVersion: string; requested: string; customKernels: string[] } | null
}

export interface ReportInput {
  title: string
  details: RunDetail[]
  env: Environment
}

/** Detailed per-run sections beyond this are left to the table and the CSV/JSON exports. */
export const MAX_DETAILED_RUNS = 24

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const pct = (v: number | null | undefined) => (v == null ? '–' : `${(v * 100).toFixed(2)}%`)
const dur = (s: number | null | undefined) => (s == null ? '–' : s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`)

export function buildHtmlReport(input: ReportInput): string {
  const { details, env, title } = input
  const detailed = details.slice(0, MAX_DETAILED_RUNS)
  const body = [
    `<header><h1>${esc(title)}</h1><p class="sub">Spline Lab report · ${details.length} run${details.length === 1 ? '' : 's'} · exported ${esc(env.exportedAt)}</p></header>`,
    environmentSection(env, details),
    summaryTable(details),
    comparisonSection(details),
    details.length > 1 && details.length <= 8 ? configDiffSection(details) : '',
    ...detailed.map((d) => runSection(d)),
    details.length > detailed.length
      ? `<p class="note">The first ${detailed.length} runs are shown in detail; all ${details.length} are in the table above and in the CSV / JSON exports.</p>`
      : '',
  ].join('\n')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="Spline Lab">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body>${body}</body></html>`
}

function environmentSection(env: Environment, details: RunDetail[]): string {
  const backends = [...new Set(details.map((d) => d.summary.backend ?? 'not started'))].join(', ')
  const rows: [string, string][] = [
    ['Spline Lab', env.app],
    ['Exported from', env.transport ?? '–'],
    ['Node.js', env.node],
    ['Platform', env.platform],
    ['CPU', env.cpus],
    ['Backend of the runs', backends],
  ]
  if (env.backend) {
    rows.push(['Trainer backend now', `${env.backend.backend} (requested ${env.backend.requested})`], ['TensorFlow.js', env.backend.tfjsVersion])
    if (env.backend.customKernels.length) rows.push(['Custom kernels', env.backend.customKernels.join(', ')])
  }
  return `<section><h2>Environment</h2>${kvTable(rows)}</section>`
}

function kvTable(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
}

function summaryTable(details: RunDetail[]): string {
  const head = [
    'Name',
    'Dataset',
    'Model',
    'Method',
    'Criterion',
    'Ratio',
    'P',
    'Seed',
    'Status',
    'Spline EB',
    'BN EB',
    'Pruned at',
    'Test acc',
    'Params',
    'MACs',
    'Train FLOPs',
    'Backend',
    'Wall',
  ]
  const rows = details.map((d) => {
    const s = d.summary
    const c = d.config
    const pruned = s.method !== 'dense'
    return [
      s.name,
      s.dataset.replace(/^builtin:/, ''),
      s.model,
      s.method,
      s.criterion ?? '–',
      pruned ? `${Math.round((s.ratio ?? 0) * 100)}%` : '–',
      pruned && s.criterion === 'spline' ? String(c.P) : '–',
      String(c.seed),
      s.status,
      s.ebEpoch ?? '–',
      s.bnEbEpoch ?? '–',
      d.pruning?.atEpoch ?? '–',
      pct(s.testAccuracy),
      formatCount(s.params),
      formatCount(s.macs),
      formatCount(s.trainFlops),
      s.backend ?? '–',
      dur(s.wallSeconds),
    ]
  })
  return `<section><h2>Runs</h2><table class="grid"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v, i) => `<td${i >= 5 && i !== 8 && i !== 16 ? ' class="num"' : ''}>${esc(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></section>`
}

function comparisonSection(details: RunDetail[]): string {
  const inputs: AggregateInput[] = details.map((d) => ({
    summary: { ...d.summary, config: d.config, resolved: d.resolved },
    P: d.config.P,
    seed: d.config.seed,
  }))
  const finished = inputs.filter((i) => i.summary.status === 'finished' && i.summary.testAccuracy != null)
  if (finished.length < 2) return ''
  const figs: string[] = []
  const fig = (svg: string, caption: string) => `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>`
  figs.push(
    fig(
      renderSvg(aggregateOption(aggregate(finished, 'trainFlops'), 'trainFlops', LIGHT_THEME), 680, 340),
      'Test accuracy against training FLOPs (log axis): one line per series of runs alike in every setting but the seed, mean over seeds, bars ±1 std; dashed: the dense runs of the same training budget.',
    ),
  )
  figs.push(
    fig(
      renderSvg(aggregateOption(aggregate(finished, 'macs'), 'macs', LIGHT_THEME), 680, 340),
      'Test accuracy against inference MACs of the final network (log axis).',
    ),
  )
  const pruned = finished.filter((i) => i.summary.method !== 'dense')
  if (new Set(pruned.map((i) => i.summary.ratio)).size > 1) {
    figs.push(
      fig(
        renderSvg(aggregateOption(aggregate(finished, 'ratio'), 'ratio', LIGHT_THEME), 680, 320),
        'Test accuracy against pruning ratio, one line per series.',
      ),
    )
  }
  const spline = pruned.filter((i) => i.summary.criterion === 'spline')
  if (new Set(spline.map((i) => i.P)).size > 1) {
    figs.push(
      fig(
        renderSvg(aggregateOption(aggregate(spline, 'P'), 'P', LIGHT_THEME), 680, 320),
        'Test accuracy against P of the spline criterion, one line per ratio (P = 0: network slimming, P = 1: pure redundancy).',
      ),
    )
  }
  return `<section><h2>Comparison</h2>${figs.join('')}${claims(aggregate(finished, 'macs'))}</section>`
}

/** Paired differences against the random and l1 baselines (95 % t intervals), and the checklist. */
function claims(agg: Aggregate): string {
  const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)}`
  const at = (v: number) => (agg.by === 'target' && v > 1 ? `${formatCount(v)} MACs` : `${Math.round(v * 100)}%`)
  const parts: string[] = []
  for (const baseline of ['random', 'l1']) {
    const rows = pairedAgainst(agg, baseline)
    if (!rows.length) continue
    parts.push(
      `<h3>Paired differences against ${baseline}</h3><table class="grid"><thead><tr><th>series</th><th>at</th><th>pairs</th><th>Δ accuracy (points)</th><th>95 % CI</th><th>MACs</th></tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr${r.stat.ci && (r.stat.ci[0] > 0 || r.stat.ci[1] < 0) ? ' class="pruned"' : ''}><th>${esc(r.series)}</th><td class="num">${esc(at(r.at))}</td><td class="num">${r.stat.n}</td><td class="num">${pts(r.stat.mean)} ± ${(r.stat.sd * 100).toFixed(2)} sd</td><td class="num">${r.stat.ci ? `[${pts(r.stat.ci[0])}, ${pts(r.stat.ci[1])}]` : '–'}</td><td class="num">${formatCount(r.macs[0])} / ${formatCount(r.macs[1])}</td></tr>`,
        )
        .join(
          '',
        )}</tbody></table><p class="note">Differences of the runs with the same seed; interval mean ± t₀.₉₇₅,ₙ₋₁·sd/√n; highlighted where it excludes zero.</p>`,
    )
  }
  const w = claimWarnings(agg)
  if (w.length) parts.push(`<h3>Before claiming anything</h3><ul class="notes">${w.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`)
  return parts.join('')
}

function configDiffSection(details: RunDetail[]): string {
  const rows = configDiff(
    details.map((d) => d.config),
    details.map((d) => d.resolved),
  ).filter((r) => r.differs)
  if (!rows.length) return ''
  const head = details.map((d) => `<th>${esc(d.summary.name)}</th>`).join('')
  return `<section><h2>Configuration differences</h2><table class="grid"><thead><tr><th>field</th>${head}</tr></thead><tbody>${rows
    .map((r) => `<tr><th>${esc(r.key)}</th>${r.values.map((_v, i) => `<td>${esc(shownValue(r, i))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></section>`
}

function runSection(d: RunDetail): string {
  const s = d.summary
  const parts: string[] = [`<h2>${esc(s.name)}</h2><p class="sub">run ${esc(s.id)} · ${esc(s.status)}${s.error ? ` · ${esc(s.error)}` : ''}</p>`]
  const facts: [string, string][] = [
    ['Test accuracy', pct(s.testAccuracy)],
    ['Epochs', `${s.epochsDone} of ${s.epochs}`],
    ['Spline EB epoch', String(s.ebEpoch ?? '–')],
    ['BN-mask EB epoch', String(s.bnEbEpoch ?? '–')],
    ['Backend', s.backend ?? '–'],
    ['Wall time', dur(s.wallSeconds)],
    ['Training FLOPs', formatCount(s.trainFlops)],
    ['Probe', d.probe ? `${d.probe.kind}, ${d.probe.count} points` : '–'],
  ]
  parts.push(`<div class="facts">${facts.map(([k, v]) => `<div><span>${esc(k)}</span><b>${esc(v)}</b></div>`).join('')}</div>`)
  parts.push(`<h3>Reproduce</h3><pre>${esc(reproduceCommand(d.config))}</pre>`)
  if (d.metrics.length) {
    parts.push(
      `<figure>${renderSvg(curvesOption(d), 680, 340)}<figcaption>Loss and accuracy per epoch (raw values); dashed: early-bird and pruning epochs.</figcaption></figure>`,
    )
    const hm = heatmapOption(d)
    parts.push(
      `<div class="pair"><figure>${renderSvg(hm.option, 360, 360)}<figcaption>Spline distance d(t, s), mean over layers${hm.pooled > 1 ? `, ${hm.pooled}-epoch blocks (max)` : ''}; red: spline EB, amber: pruning.</figcaption></figure>`,
    )
    parts.push(
      `<figure>${renderSvg(ebTraceOption(d.ebTrace, d.bnEbTrace, { ebEpoch: s.ebEpoch, bnEbEpoch: s.bnEbEpoch, pruneEpoch: d.pruning?.atEpoch ?? null }, LIGHT_THEME), 360, 360)}<figcaption>Early-bird detectors: each statistic against its threshold.</figcaption></figure></div>`,
    )
  }
  if (d.pruning) {
    const p = d.pruning
    parts.push(
      `<h3>Pruning</h3>${kvTable([
        ['Criterion', `${p.criterion} (${p.scope})`],
        ['Ratio', `${(p.ratio * 100).toFixed(p.targetMacs === undefined ? 0 : 1)}%`],
        ...(p.targetMacs !== undefined ? ([['Target MACs', `${formatCount(p.targetMacs)} (the ratio solved for it)`]] as [string, string][]) : []),
        ['P', String(p.P)],
        ['Pruned after dense epoch', `${p.atEpoch}${p.ebFallback ? ' (no ticket by the cap: drawn there)' : ''}`],
        ['Then', p.retrain === 'reinit' ? 're-initialised and retrained' : 'fine-tuned from the ticket'],
      ])}${p.notes.length ? `<ul class="notes">${p.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}`,
    )
  }
  if (d.costsBefore) parts.push(archSection(d))
  parts.push(
    `<h3>Configuration</h3><div class="cfg">${configDiff([d.config], [d.resolved])
      .map((r) => `<div><span>${esc(r.key)}</span><b>${esc(shownValue(r, 0))}</b></div>`)
      .join('')}</div>`,
  )
  return `<section class="run">${parts.join('\n')}</section>`
}

function archSection(d: RunDetail): string {
  const diff = archDiff(d.costsBefore!, d.costsAfter, d.pruning)
  const t = diff.totals
  const totals = `<p class="totals">params ${formatCount(t.paramsBefore)} → ${formatCount(t.paramsAfter)} (${formatChange(t.paramsBefore, t.paramsAfter)}) · MACs ${formatCount(t.macsBefore)} → ${formatCount(t.macsAfter)} (${formatChange(t.macsBefore, t.macsAfter)}) · FLOPs ${formatCount(t.flopsBefore)} → ${formatCount(t.flopsAfter)}${diff.channels.before ? ` · channels ${diff.channels.before} → ${diff.channels.after}` : ''}</p>`
  const chart = d.costsAfter
    ? `<figure>${renderSvg(archBarsOption(diff, 'channels', LIGHT_THEME), 680, 280)}<figcaption>Channels per layer: grey before pruning, blue after.</figcaption></figure>`
    : ''
  const rows = diff.rows
    .map(
      (r) =>
        `<tr${r.pruned ? ' class="pruned"' : ''}><th>${esc(r.name)}</th><td>${esc(r.kind)}</td><td class="num">${esc(widthLabel(r))}</td><td class="num">${formatCount(r.paramsBefore)} → ${formatCount(r.paramsAfter)}</td><td class="num">${formatCount(r.macsBefore)} → ${formatCount(r.macsAfter)}</td></tr>`,
    )
    .join('')
  return `<h3>Architecture${d.costsAfter ? ' before → after pruning' : ''}</h3>${totals}${chart}<table class="grid"><thead><tr><th>layer</th><th>kind</th><th>channels</th><th>params</th><th>MACs</th></tr></thead><tbody>${rows}</tbody></table>`
}
