/**
 * Like with like: finished runs grouped into series that agree on every field of their applied
 * config (appliedConfig.ts) but the seed and the operating point (the ratio, a MACs target, or P
 * for the spline ablation); within a series the runs of one operating point are one point, mean
 * and spread over their seeds. Different hyper-parameters are never pooled as seeds unless the
 * caller names the fields to pool over (the group-by control). Dense runs are references, each
 * series matched to the dense runs of its own training budget. Then the paired differences between
 * series on the seeds they share, and the checklist a claim should pass (ShrinkBench).
 */
import type { RunSummary } from '../contract/api'
import { NOT_SCIENCE, appliedConfig, type AppliedField } from './appliedConfig'
import { mean, pairedStat, std, type PairedStat } from './statistics'

export type XMetric = 'trainFlops' | 'macs' | 'ratio' | 'P'

export interface AggregateInput {
  summary: RunSummary
  /** the spline blend, when the summary carries no config */
  P?: number
  seed?: number
}

export interface AggregateMember {
  id: string
  seed: number | null
  x: number
  y: number
  macs: number | null
}

export interface AggregatePoint {
  /** the operating point shared by the runs of this point: the ratio, a MACs target, or P */
  at: number
  x: number
  y: number
  /** spread over seeds */
  xStd: number
  yStd: number
  n: number
  runIds: string[]
  members: AggregateMember[]
}

export interface AggregateSeries {
  /** the series' name: method · criterion and what sets it apart from the other series */
  key: string
  /** method · criterion */
  base: string
  /** the applied config the series' runs share (the operating point and pooled fields left out) */
  config: Record<string, string>
  points: AggregatePoint[]
  /** the dense reference of the same training budget, when there is one */
  denseKey: string | null
}

export interface DenseRef {
  key: string
  x: number
  y: number
  yStd: number
  n: number
  runIds: string[]
  config: Record<string, string>
}

export interface RunPoint {
  id: string
  name: string
  key: string
  x: number
  y: number
  ratio: number | null
  seed?: number
}

export interface Aggregate {
  series: AggregateSeries[]
  /** the dense reference most series match (the one drawn when only one is), or the only one */
  dense: DenseRef | null
  /** every group of dense runs */
  denseRefs: DenseRef[]
  points: RunPoint[]
  /** config fields on which the series differ (beyond method and criterion): what the group-by control can pool over */
  varying: string[]
  /** what the operating points are */
  by: 'ratio' | 'P' | 'target'
}

export interface AggregateOptions {
  by?: 'ratio' | 'P'
  /** config fields to pool over: runs that differ only in these share a series (deliberately coarser) */
  pool?: readonly string[]
}

/**
 * Fields a criterion brings with it (P of the spline criterion, network slimming's BN-L1): a
 * series and its baseline may differ in these and nothing else, and labels name them only where
 * they differ within one criterion.
 */
const CRITERION_FIELDS = ['criterion', 'P', 'bnL1']

/** method · criterion, the base of a series' name */
export function seriesKey(run: Pick<RunSummary, 'method' | 'criterion'>): string {
  return run.method === 'dense' || !run.criterion ? run.method : `${run.method} · ${run.criterion}`
}

/** Fields that decide a dense run's accuracy, on which a pruned series and its dense reference must agree. */
const DENSE_MATCH = [
  'dataset',
  'model',
  'hidden',
  'width',
  'trainLimit',
  'testLimit',
  'epochs',
  'batchSize',
  'lr',
  'momentum',
  'weightDecay',
  'lrMilestones',
  'augment',
]

/** The applied config of a run as key → value (from the summary alone for runs listed without their config). */
function configOf(i: AggregateInput): Record<string, string> {
  const s = i.summary
  if (s.config) return Object.fromEntries(appliedConfig(s.config, s.resolved).map((f: AppliedField) => [f.key, f.value]))
  const out: Record<string, string> = { dataset: s.dataset, model: s.model, method: s.method, epochs: String(s.epochs) }
  if (s.method !== 'dense') {
    out.criterion = s.criterion ?? '–'
    out.ratio = String(s.ratio)
    if (i.P !== undefined) out.P = String(i.P)
  }
  return out
}

export function aggregate(inputs: readonly AggregateInput[], x: XMetric, options: AggregateOptions | 'ratio' | 'P' = {}): Aggregate {
  const o = typeof options === 'string' ? { by: options } : options
  const byP = (o.by ?? (x === 'P' ? 'P' : 'ratio')) === 'P'
  const pool = new Set(o.pool ?? [])
  const done = inputs.filter((i) => i.summary.status === 'finished' && i.summary.testAccuracy != null)
  const targeted = (c: Record<string, string>) => !byP && c.targetMacs !== undefined && c.ratio === undefined
  const atOf = (i: AggregateInput, c: Record<string, string>): number | null => {
    if (byP) return i.summary.config?.P ?? i.P ?? null
    if (targeted(c)) return Number(c.targetMacs)
    return i.summary.ratio
  }
  const xOf = (i: AggregateInput, c: Record<string, string>): number | null => {
    const s = i.summary
    if (x === 'ratio') return s.ratio
    if (x === 'P') return s.config?.P ?? i.P ?? null
    return s[x] ?? (c[x] !== undefined ? Number(c[x]) : null)
  }
  const seedOf = (i: AggregateInput) => i.summary.config?.seed ?? i.seed ?? null
  // the operating point's own fields never split series
  const pointFields = byP ? ['P'] : ['ratio', 'targetMacs']
  const groupKey = (c: Record<string, string>) =>
    JSON.stringify(Object.entries(c).filter(([k]) => !(NOT_SCIENCE as readonly string[]).includes(k) && !pointFields.includes(k) && !pool.has(k)))

  const points: RunPoint[] = []
  const groups = new Map<
    string,
    { config: Record<string, string>; base: string; byAt: Map<number, { input: AggregateInput; config: Record<string, string> }[]> }
  >()
  const denseGroups = new Map<string, { config: Record<string, string>; members: { input: AggregateInput; config: Record<string, string> }[] }>()
  for (const input of done) {
    const s = input.summary
    const c = configOf(input)
    const xv = xOf(input, c)
    const seed = seedOf(input) ?? undefined
    if (s.method === 'dense') {
      const k = groupKey(c)
      const g = denseGroups.get(k) ?? { config: c, members: [] }
      denseGroups.set(k, g)
      g.members.push({ input, config: c })
      if (xv != null && x !== 'ratio' && x !== 'P') points.push({ id: s.id, name: s.name, key: 'dense', x: xv, y: s.testAccuracy!, ratio: null, seed })
      continue
    }
    const at = atOf(input, c)
    if (xv == null || at == null || !Number.isFinite(xv)) continue
    const k = groupKey(c)
    const g = groups.get(k) ?? { config: withoutPoint(c, pointFields, pool), base: seriesKey(s), byAt: new Map() }
    groups.set(k, g)
    g.byAt.set(at, [...(g.byAt.get(at) ?? []), { input, config: c }])
    points.push({ id: s.id, name: s.name, key: '', x: xv, y: s.testAccuracy!, ratio: s.ratio, seed })
  }

  // dense references and which one each series matches
  const denseRefs: DenseRef[] = [...denseGroups.entries()].map(([, g]) => {
    const ys = g.members.map((m) => m.input.summary.testAccuracy!)
    const xs = g.members.map((m) => (x === 'ratio' ? 0 : x === 'P' ? Number.NaN : (m.input.summary[x] ?? Number.NaN)))
    return { key: 'dense', x: mean(xs), y: mean(ys), yStd: std(ys), n: g.members.length, runIds: g.members.map((m) => m.input.summary.id), config: g.config }
  })
  const denseDiffer = differing(
    denseRefs.map((d) => d.config),
    ['method'],
  )
  for (const d of denseRefs) d.key = denseRefs.length > 1 ? `dense · ${label(d.config, denseDiffer)}` : 'dense'
  const matchDense = (c: Record<string, string>) => denseRefs.find((d) => DENSE_MATCH.every((k) => pool.has(k) || d.config[k] === c[k])) ?? null

  const list = [...groups.values()]
  const varying = differing(
    list.map((g) => g.config),
    ['method', 'criterion'],
  )
  // named in a series' label: what differs within one method · criterion, or across them but is not the criterion's own (slimming's BN-L1)
  const bases = [...new Set(list.map((g) => g.base))]
  const within = new Set(
    bases.flatMap((b) =>
      differing(
        list.filter((g) => g.base === b).map((g) => g.config),
        [],
      ),
    ),
  )
  const labelled = varying.filter((k) => within.has(k) || !CRITERION_FIELDS.includes(k))
  const series: AggregateSeries[] = list
    .map((g) => {
      const extra = label(g.config, labelled)
      return {
        key: extra ? `${g.base} · ${extra}` : g.base,
        base: g.base,
        config: g.config,
        denseKey: matchDense(g.config)?.key ?? null,
        points: [...g.byAt.entries()]
          .sort(([a], [b]) => a - b)
          .map(([at, members]) => {
            const ms: AggregateMember[] = members.map(({ input, config }) => ({
              id: input.summary.id,
              seed: seedOf(input),
              x: xOf(input, config)!,
              y: input.summary.testAccuracy!,
              macs: input.summary.macs,
            }))
            const xs = ms.map((m) => m.x)
            const ys = ms.map((m) => m.y)
            return { at, x: mean(xs), y: mean(ys), xStd: std(xs), yStd: std(ys), n: ms.length, runIds: ms.map((m) => m.id), members: ms }
          }),
      }
    })
    .sort((a, b) => a.key.localeCompare(b.key))
  const keyOfRun = new Map(series.flatMap((s) => s.points.flatMap((p) => p.runIds.map((id) => [id, s.key] as const))))
  for (const p of points) if (p.key === '') p.key = keyOfRun.get(p.id) ?? ''
  const matched = series.map((s) => s.denseKey).filter((k): k is string => k !== null)
  const counts = new Map<string, number>()
  for (const k of matched) counts.set(k, (counts.get(k) ?? 0) + 1)
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
  const dense = denseRefs.find((d) => d.key === top) ?? (denseRefs.length === 1 || !series.length ? (denseRefs[0] ?? null) : null)
  const anyTargeted = series.some((s) => s.points.length && targeted(s.config)) || done.some((i) => targeted(configOf(i)))
  return { series, dense, denseRefs, points, varying, by: byP ? 'P' : anyTargeted ? 'target' : 'ratio' }
}

function withoutPoint(c: Record<string, string>, pointFields: string[], pool: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(c).filter(([k]) => !pointFields.includes(k) && !pool.has(k) && !(NOT_SCIENCE as readonly string[]).includes(k)))
}

/** Keys with different values among the configs that have them (a field only some have, P of the spline criterion, sets nothing apart by itself). */
function differing(configs: Record<string, string>[], skip: string[]): string[] {
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))]
  return keys.filter(
    (k) => !skip.includes(k) && !(NOT_SCIENCE as readonly string[]).includes(k) && new Set(configs.flatMap((c) => (k in c ? [c[k]] : []))).size > 1,
  )
}

const label = (c: Record<string, string>, keys: string[]) =>
  keys
    .filter((k) => c[k] !== undefined)
    .map((k) => `${k}=${c[k]}`)
    .join(' · ')

//#region paired differences

export interface PairedPoint {
  /** the series compared (a) and its baseline (b) */
  series: string
  baseline: string
  at: number
  /** accuracy a − b over the seeds both have at this point */
  stat: PairedStat
  seeds: number[]
  /** mean MACs of each side, to show whether the budgets matched */
  macs: [number | null, number | null]
}

/**
 * For every series but the baseline, at every operating point both have: the accuracy difference
 * on each seed they share (runs without a seed are not paired), its mean and 95 % t interval.
 */
export function pairedDifferences(agg: Aggregate, baseline: string): PairedPoint[] {
  const base = agg.series.find((s) => s.key === baseline)
  if (!base) return []
  const out: PairedPoint[] = []
  for (const s of agg.series) {
    if (s.key === baseline) continue
    for (const p of s.points) {
      const q = base.points.find((b) => b.at === p.at)
      if (!q) continue
      const bySeed = new Map(q.members.filter((m) => m.seed !== null).map((m) => [m.seed!, m]))
      const pairs = p.members.filter((m) => m.seed !== null && bySeed.has(m.seed)).map((m) => [m, bySeed.get(m.seed!)!] as const)
      if (!pairs.length) continue
      const macs = (ms: AggregateMember[]) => (ms.every((m) => m.macs != null) ? mean(ms.map((m) => m.macs!)) : null)
      out.push({
        series: s.key,
        baseline,
        at: p.at,
        stat: pairedStat(pairs.map(([a, b]) => a.y - b.y)),
        seeds: pairs.map(([a]) => a.seed!),
        macs: [macs(pairs.map(([a]) => a)), macs(pairs.map(([, b]) => b))],
      })
    }
  }
  return out
}

/** The series with `criterion` that agrees with `s` on everything but the criterion's own fields, or null. */
export function matchingBaseline(agg: Aggregate, s: AggregateSeries, criterion: string): AggregateSeries | null {
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => CRITERION_FIELDS.includes(k) || a[k] === b[k])
  return agg.series.find((t) => t !== s && t.config.criterion === criterion && same(t.config, s.config)) ?? null
}

/** Every series (but those of `criterion`) against its matching `criterion` baseline, paired on shared seeds. */
export function pairedAgainst(agg: Aggregate, criterion: string): PairedPoint[] {
  return agg.series.flatMap((s) => {
    if (s.config.criterion === criterion) return []
    const b = matchingBaseline(agg, s, criterion)
    return b ? pairedDifferences({ ...agg, series: [s, b] }, b.key) : []
  })
}

//#endregion

//#region the checklist

/**
 * What a claim resting on these series lacks (ShrinkBench's checklist): several operating points,
 * ≥ 3 seeds, random and magnitude baselines under the same budget, dense accuracy beside, equal
 * MACs at each operating point. Empty when nothing is missing.
 */
export function claimWarnings(agg: Aggregate): string[] {
  const w: string[] = []
  const pruned = agg.series.filter((s) => s.points.length)
  if (!pruned.length) return w
  const ats = new Set(pruned.flatMap((s) => s.points.map((p) => p.at)))
  if (ats.size < 2) w.push(`one operating point only (${agg.by} ${[...ats][0]}): compare at several ratios or budgets`)
  const few = pruned.flatMap((s) =>
    s.points.filter((p) => new Set(p.members.map((m) => m.seed)).size < 3).map((p) => `${s.key} at ${fmtAt(agg, p.at)} (n = ${p.n})`),
  )
  if (few.length) w.push(`fewer than 3 seeds: ${few.slice(0, 4).join('; ')}${few.length > 4 ? `; and ${few.length - 4} more` : ''}`)
  const criteria = new Set(pruned.map((s) => s.config.criterion))
  if (!criteria.has('random')) w.push('no random baseline under the same budget')
  if (!criteria.has('l1') && !criteria.has('l2')) w.push('no magnitude baseline (l1 / l2) under the same budget')
  if (!agg.dense || pruned.some((s) => s.denseKey === null))
    w.push('no dense run of the same training budget beside (dataset, model, epochs, batch, lr, augmentation)')
  for (const at of ats) {
    const macs = pruned.flatMap((s) => s.points.filter((p) => p.at === at).flatMap((p) => p.members.map((m) => m.macs))).filter((m): m is number => m != null)
    if (macs.length < 2) continue
    const lo = Math.min(...macs)
    const hi = Math.max(...macs)
    if (hi > lo * 1.01 && agg.by !== 'P')
      w.push(`not at equal MACs at ${fmtAt(agg, at)}: ${Math.round(lo)}–${Math.round(hi)} (prune layerwise, or use budget macs / a sweep with equal MACs)`)
  }
  return w
}

const fmtAt = (agg: Aggregate, at: number) => (agg.by === 'P' ? `P = ${at}` : agg.by === 'target' && at > 1 ? `${Math.round(at)} MACs` : `ratio ${at}`)

//#endregion
