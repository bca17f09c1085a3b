/**
 * The comparison as Markdown tables, for papers, notes and docs/results.md: per dataset and model,
 * accuracy at each operating point (mean ± std over seeds, MACs, seeds) of every series of like
 * runs, the dense references, paired differences against the random and the magnitude (l1)
 * baselines with 95 % t intervals, and the claim checklist.
 */
import type { RunSummary } from '../contract/api'
import { aggregate, claimWarnings, formatCount, pairedAgainst, type Aggregate, type PairedPoint } from '../common/analysis'

const pct = (v: number) => (v * 100).toFixed(2)
const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)}`
const cell = (v: string) => v.replace(/\|/g, '\\|')

export function buildMarkdownReport(title: string, runs: readonly RunSummary[], exportedAt: string): string {
  const finished = runs.filter((r) => r.status === 'finished' && r.testAccuracy != null)
  const out = [`# ${title}`, '', `Spline Lab report · ${finished.length} finished of ${runs.length} runs · exported ${exportedAt}`, '']
  const combos = [...new Set(finished.map((r) => `${r.dataset}|${r.model}`))]
  if (!combos.length) out.push('No finished runs.', '')
  for (const combo of combos) {
    const [dataset, model] = combo.split('|') as [string, string]
    const agg = aggregate(
      finished.filter((r) => r.dataset === dataset && r.model === model).map((summary) => ({ summary })),
      'macs',
    )
    out.push(`## ${dataset.replace(/^builtin:/, '')} · ${model}`, '', ...section(agg), '')
  }
  return out.join('\n')
}

function section(agg: Aggregate): string[] {
  const lines: string[] = []
  const shared = sharedSettings(agg)
  if (shared) lines.push(`Settings all series share: ${shared}.`, '')
  const at = (v: number) => (agg.by === 'target' && v > 1 ? `${formatCount(v)} MACs` : `${Math.round(v * 100)}%`)
  lines.push('| series | ratio | MACs | test accuracy % (mean ± std) | seeds |', '|---|---|---|---|---|')
  for (const s of agg.series)
    for (const p of s.points) {
      const macs = p.members.map((m) => m.macs).filter((m): m is number => m != null)
      const m = macs.length ? formatCount(macs.reduce((a, b) => a + b, 0) / macs.length) : '–'
      lines.push(`| ${cell(s.key)} | ${at(p.at)} | ${m} | ${pct(p.y)}${p.n > 1 ? ` ± ${pct(p.yStd)}` : ''} | ${p.n} |`)
    }
  for (const d of agg.denseRefs) lines.push(`| ${cell(d.key)} | – | ${formatCount(d.x)} | ${pct(d.y)}${d.n > 1 ? ` ± ${pct(d.yStd)}` : ''} | ${d.n} |`)
  for (const baseline of ['random', 'l1']) {
    const rows = pairedAgainst(agg, baseline)
    if (!rows.length) continue
    lines.push('', `### Paired differences against ${baseline} (accuracy points, same seeds)`, '', ...pairedTable(rows, at))
  }
  const w = claimWarnings(agg)
  lines.push(
    '',
    '### Checklist',
    '',
    ...(w.length
      ? w.map((x) => `- ${x}`)
      : ['- several operating points, ≥ 3 seeds, random and magnitude baselines, equal MACs and a dense run beside: nothing missing']),
  )
  return lines
}

function pairedTable(rows: PairedPoint[], at: (v: number) => string): string[] {
  const ci = (r: PairedPoint) => (r.stat.ci ? `[${pts(r.stat.ci[0])}, ${pts(r.stat.ci[1])}]` : '–')
  const verdict = (r: PairedPoint) => (!r.stat.ci ? 'one pair' : r.stat.ci[0] > 0 ? 'better' : r.stat.ci[1] < 0 ? 'worse' : 'no difference shown')
  return [
    '| series | ratio | pairs | Δ mean ± sd | 95 % CI | at 95 % |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.series)} | ${at(r.at)} | ${r.stat.n} | ${pts(r.stat.mean)} ± ${(r.stat.sd * 100).toFixed(2)} | ${ci(r)} | ${verdict(r)} |`),
  ]
}

/** The applied settings every series has alike (the fields that would otherwise repeat in every row). */
function sharedSettings(agg: Aggregate): string {
  const configs = [...agg.series.map((s) => s.config), ...agg.denseRefs.map((d) => d.config)]
  if (!configs.length) return ''
  const keys = ['epochs', 'batchSize', 'lr', 'trainLimit', 'testLimit', 'width', 'augment', 'scope', 'budget', 'method', 'bnL1']
  return keys
    .filter((k) => configs.every((c) => c[k] !== undefined && c[k] === configs[0]![k]))
    .map((k) => `${k} ${configs[0]![k]}`)
    .join(', ')
}
