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
  type ResolvedDefaults,
  type RunConfig,
} from '../contract/api'
import { appliedConfig } from './appliedConfig'

export { mean, std, pairedStat, tQuantile, tCdf, type PairedStat } from './statistics'
export {
  aggregate,
  claimWarnings,
  matchingBaseline,
  pairedAgainst,
  pairedDifferences,
  seriesKey,
  type Aggregate,
  type AggregateInput,
  type AggregateMember,
  type AggregateOptions,
  type AggregatePoint,
  type AggregateSeries,
  type DenseRef,
  type PairedPoint,
  type RunPoint,
  type XMetric,
} from './aggregate'
export { appliedConfig, legacyResolved, NOT_SCIENCE, type AppliedField } from './appliedConfig'

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
  /** per run: the value is a default its plan resolved */
  resolved: boolean[]
  differs: boolean
}

/**
 * The runs' applied configs (appliedConfig.ts: the fields that apply to each run kind, the
 * resolved defaults filled in) side by side; rows in field order, each marked when the runs
 * disagree. A field one run lacks (it does not apply there) shows '–'.
 */
export function configDiff(configs: readonly RunConfig[], resolved: readonly (ResolvedDefaults | null | undefined)[] = []): ConfigRow[] {
  const applied = configs.map((c, i) => new Map(appliedConfig(c, resolved[i]).map((f) => [f.key, f])))
  const keys: string[] = []
  for (const a of applied) for (const k of a.keys()) if (!keys.includes(k)) keys.push(k)
  const order = new Map(RUN_FIELDS.map((f, i) => [f.key as string, i]))
  keys.sort((x, y) => order.get(x)! - order.get(y)!)
  return keys.map((key) => {
    const values = applied.map((a) => a.get(key)?.value ?? '–')
    return { key, values, resolved: applied.map((a) => a.get(key)?.resolved ?? false), differs: values.some((v) => v !== values[0]) }
  })
}

/** A config row's value as shown: resolved defaults say so. */
export function shownValue(row: ConfigRow, i: number): string {
  return row.resolved[i] ? `${row.values[i]} (default)` : row.values[i]!
}

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
