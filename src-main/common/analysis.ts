/**
 * The numbers behind the comparison views and the reports, computed once for both: the renderer
 * (FLOPs vs accuracy, sweeps, compare) and the Node-side report builder import this file.
 * Pure: no Node, no DOM, no tfjs (it is part of tsconfig.web.json as well as the node project).
 */
import {
  RUN_FIELDS,
  fieldDefault,
  isRequired,
  readPath,
  sameValue,
  valueToText,
  type AnyField,
  type EpochMetrics,
  type RunConfig,
  type RunSummary,
} from '../contract/api'

//#region statistics

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN
}

/** sample standard deviation (n − 1); 0 for a single value, so one seed draws no error bar */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
}

//#endregion

//#region FLOPs vs accuracy, accuracy vs ratio / P

export type XMetric = 'trainFlops' | 'macs' | 'ratio' | 'P'

/** one method + criterion (a line in the charts) */
export function seriesKey(run: Pick<RunSummary, 'method' | 'criterion'>): string {
  return run.method === 'dense' || !run.criterion ? run.method : `${run.method} · ${run.criterion}`
}

export interface AggregatePoint {
  /** the ratio (or P) shared by the runs of this point */
  at: number
  x: number
  y: number
  /** spread over seeds */
  xStd: number
  yStd: number
  n: number
  runIds: string[]
}

export interface AggregateSeries {
  key: string
  points: AggregatePoint[]
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
  /** mean over the dense runs' seeds, the reference line */
  dense: { x: number; y: number; yStd: number; n: number; runIds: string[] } | null
  points: RunPoint[]
}

export interface AggregateInput {
  summary: RunSummary
  /** needed only for x = 'P' (the list has no P) */
  P?: number
  seed?: number
}

/**
 * Groups runs into one series per method + criterion; within a series the runs of one ratio
 * (or one P when `by` is 'P') are one point: mean x, mean accuracy, spread over seeds.
 * Dense runs become the reference (no ratio).
 */
export function aggregate(inputs: readonly AggregateInput[], x: XMetric, by: 'ratio' | 'P' = x === 'P' ? 'P' : 'ratio'): Aggregate {
  const xOf = (i: AggregateInput): number | null => {
    const s = i.summary
    if (x === 'ratio') return s.ratio
    if (x === 'P') return i.P ?? null
    return s[x]
  }
  const done = inputs.filter((i) => i.summary.status === 'finished' && i.summary.testAccuracy != null)
  const points: RunPoint[] = []
  const groups = new Map<string, Map<number, AggregateInput[]>>()
  const dense: AggregateInput[] = []
  for (const input of done) {
    const s = input.summary
    const xv = xOf(input)
    if (s.method === 'dense') {
      dense.push(input)
      if (xv != null && x !== 'ratio' && x !== 'P')
        points.push({ id: s.id, name: s.name, key: 'dense', x: xv, y: s.testAccuracy!, ratio: null, seed: input.seed })
      continue
    }
    const at = by === 'P' ? input.P : s.ratio
    if (xv == null || at == null || !Number.isFinite(xv)) continue
    const key = seriesKey(s)
    points.push({ id: s.id, name: s.name, key, x: xv, y: s.testAccuracy!, ratio: s.ratio, seed: input.seed })
    const byAt = groups.get(key) ?? new Map<number, AggregateInput[]>()
    groups.set(key, byAt)
    byAt.set(at, [...(byAt.get(at) ?? []), input])
  }
  const series: AggregateSeries[] = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, byAt]) => ({
      key,
      points: [...byAt.entries()]
        .sort(([a], [b]) => a - b)
        .map(([at, members]) => {
          const xs = members.map((m) => xOf(m)!)
          const ys = members.map((m) => m.summary.testAccuracy!)
          return { at, x: mean(xs), y: mean(ys), xStd: std(xs), yStd: std(ys), n: members.length, runIds: members.map((m) => m.summary.id) }
        }),
    }))
  let denseRef: Aggregate['dense'] = null
  if (dense.length) {
    const ys = dense.map((d) => d.summary.testAccuracy!)
    const xs = dense.map((d) => (x === 'ratio' ? 0 : x === 'P' ? Number.NaN : (d.summary[x] ?? Number.NaN)))
    denseRef = { x: mean(xs), y: mean(ys), yStd: std(ys), n: dense.length, runIds: dense.map((d) => d.summary.id) }
  }
  return { series, dense: denseRef, points }
}

//#endregion

//#region distance matrix

/**
 * Epoch of the last row of the distance matrices. Codes are recorded in the dense phase only, so
 * after pruning the rows end at the last dense epoch, not at the last metrics epoch.
 */
export function lastRecordedEpoch(metrics: readonly Pick<EpochMetrics, 'epoch' | 'phase'>[]): number | undefined {
  let last: number | undefined
  for (const m of metrics) if (m.phase === 'dense') last = m.epoch
  return last ?? metrics.at(-1)?.epoch
}

//#endregion

//#region config diff

export interface ConfigRow {
  key: string
  values: string[]
  differs: boolean
}

/** Flattens configs to `a.b` keys; rows in schema order, each marked when the runs disagree. */
export function configDiff(configs: readonly RunConfig[]): ConfigRow[] {
  const flat = configs.map((c) => flatten(c as unknown as Record<string, unknown>))
  const keys: string[] = []
  for (const f of flat) for (const k of Object.keys(f)) if (!keys.includes(k)) keys.push(k)
  return keys.map((key) => {
    const values = flat.map((f) => f[key] ?? '–')
    return { key, values, differs: values.some((v) => v !== values[0]) }
  })
}

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key))
    else out[key] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  return out
}

//#endregion

//#region reproduce

const quote = (v: string) => (/^[\w.,:@/+=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`)

/**
 * The `spline-lab run` command that repeats this run: the flag of every field of `fields` whose
 * value differs from its default (and of the essentials always), so no setting is lost; the
 * CLI parses it back to the same config.
 */
export function reproduceCommand(config: RunConfig, fields: readonly AnyField[] = RUN_FIELDS): string {
  const flags: string[] = []
  const last: string[] = []
  for (const f of fields) {
    const v = readPath(config as unknown as Record<string, unknown>, f.key)
    if (v === undefined || v === null) continue
    if (f.reproduce !== 'always' && !isRequired(f) && sameValue(v, fieldDefault(f))) continue
    const flag = f.kind === 'boolean' ? `--${v ? '' : 'no-'}${f.flag}` : `--${f.flag} ${quote(valueToText(v))}`
    ;(f.reproduce === 'last' ? last : flags).push(flag)
  }
  return ['spline-lab run', ...flags, ...last].join(' ')
}

//#endregion

//#region numbers

/** 1234567 → "1.23 M"; keeps three significant digits */
export function formatCount(n: number | null | undefined, unit = ''): string {
  if (n == null || !Number.isFinite(n)) return '–'
  const abs = Math.abs(n)
  const [div, suffix] =
    abs >= 1e15 ? [1e15, 'P'] : abs >= 1e12 ? [1e12, 'T'] : abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, '']
  const v = n / div
  const text = div === 1 ? String(Math.round(v)) : v.toPrecision(3)
  return `${text}${suffix || unit ? ' ' : ''}${suffix}${unit}`
}

/** b relative to a as "−42.1%" */
export function formatChange(before: number, after: number): string {
  if (!before) return '–'
  const pct = ((after - before) / before) * 100
  return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct).toFixed(1)}%`
}

//#endregion

//#region colours

/** Series colours that read on light and dark surfaces; the same key gets the same colour everywhere. */
export const PALETTE = ['#2f6fde', '#e04f8f', '#10b981', '#f59e0b', '#8b5cf6', '#ef4444', '#0ea5e9', '#84cc16', '#d946ef', '#64748b']
export const DENSE_COLOR = '#6b7280'

/** The same key list gives the same colours in the app and in reports (keys sorted, dense grey). */
export function seriesColor(key: string, keys: readonly string[]): string {
  if (key === 'dense') return DENSE_COLOR
  const others = [...new Set(keys)].filter((k) => k !== 'dense').sort()
  return PALETTE[Math.max(0, others.indexOf(key)) % PALETTE.length]!
}

//#endregion
