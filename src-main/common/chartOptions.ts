/**
 * ECharts options shared by the app (canvas, interactive) and the reports (SVG rendered in Node):
 * FLOPs / ratio / P vs accuracy, both early-bird traces, architecture bars. Plain option objects
 * built from plain data and a theme, so both sides draw the same picture from the same numbers.
 * Pure: part of tsconfig.web.json too.
 */
import type { EChartsOption } from 'echarts'
import type { EbTracePoint } from '../contract/api'
import { seriesColor, type Aggregate } from './analysis'
import type { ArchDiff } from './archDiff'

export interface ChartTheme {
  text: string
  muted: string
  grid: string
  surface: string
  accent: string
}

export const LIGHT_THEME: ChartTheme = { text: '#1d2430', muted: '#5c6675', grid: '#d8dde5', surface: '#ffffff', accent: '#2f6fde' }

/** accuracy axes (in %): a little room around the data, never past 100 */
export const ACCURACY_RANGE = {
  min: (v: { min: number }) => Math.max(0, Math.floor(v.min - 1)),
  max: (v: { max: number }) => Math.min(100, Math.ceil(v.max + 1)),
}

export const EB_COLOR = '#ef4444'
export const BN_EB_COLOR = '#8b5cf6'
export const PRUNE_COLOR = '#f59e0b'

function axisStyle(t: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: t.grid } },
    axisLabel: { color: t.muted },
    splitLine: { lineStyle: { color: t.grid, opacity: 0.6 } },
    nameTextStyle: { color: t.muted },
  }
}

const AXIS_NAMES: Record<string, string> = {
  trainFlops: 'training FLOPs (log)',
  macs: 'inference MACs (log)',
  ratio: 'pruning ratio',
  P: 'P (spline criterion blend)',
}

/**
 * One line per series (runs alike in every field but the seed and the operating point) through its
 * points (mean over seeds), vertical error bars of ±1 std, every run as a faint dot, the dense mean
 * of each matched training budget as a horizontal reference line.
 * Point `value`s carry run ids as their third item so a click can open the run.
 */
export function aggregateOption(agg: Aggregate, x: keyof typeof AXIS_NAMES, theme: ChartTheme, opts: { animation?: boolean } = {}): EChartsOption {
  const log = x === 'trainFlops' || x === 'macs'
  const keys = [...agg.series.map((s) => s.key), ...(agg.denseRefs.length ? ['dense'] : [])]
  const pct = (v: number) => Math.round(v * 10000) / 100
  const series: NonNullable<EChartsOption['series']> = []
  for (const s of agg.series) {
    const color = seriesColor(s.key, keys)
    series.push({
      type: 'line',
      name: s.key,
      color,
      symbolSize: 8,
      data: s.points.map((p) => ({ value: [p.x, pct(p.y), p.runIds[0]!], runIds: p.runIds, n: p.n, yStd: pct(p.yStd), at: p.at })),
      z: 3,
    })
    // Error bars as short vertical segments of the same (legend-linked) name.
    for (const p of s.points.filter((q) => q.n > 1 && q.yStd > 0)) {
      series.push({
        type: 'line',
        name: s.key,
        color,
        silent: true,
        symbol: 'none',
        lineStyle: { width: 1.5 },
        data: [
          [p.x, pct(p.y - p.yStd)],
          [p.x, pct(p.y + p.yStd)],
        ],
        z: 2,
      })
    }
  }
  const runs = agg.points.filter((p) => p.key !== 'dense' || log)
  series.push({
    type: 'scatter',
    name: 'runs',
    symbolSize: 5,
    itemStyle: { color: theme.muted, opacity: 0.45 },
    data: runs.map((p) => ({ value: [p.x, pct(p.y), p.id], name: p.name })),
    z: 1,
  })
  // each dense reference a pruned series is matched to (its training budget), or every one when none is
  const matched = new Set(agg.series.map((s) => s.denseKey))
  const refs = agg.denseRefs.filter((d) => !agg.series.length || matched.has(d.key))
  for (const d of refs) {
    series.push({
      type: 'line',
      name: d.key,
      color: seriesColor('dense', keys),
      data: [],
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { type: 'dashed', color: seriesColor('dense', keys), width: 1.5 },
        label: { formatter: `${d.key} ${pct(d.y).toFixed(1)}%`, position: 'insideEndTop', color: theme.muted },
        data: [{ yAxis: pct(d.y) }],
      },
    })
  }
  const a = axisStyle(theme)
  // Tight ranges: a log axis otherwise spans whole decades and squeezes the points together.
  const xs = [...agg.points.map((p) => p.x), ...refs.map((d) => d.x)].filter((v) => v > 0)
  // Under ~1.5 decades a base-10 axis would label only its ends: count in doublings instead.
  const logBase = xs.length && Math.max(...xs) / Math.min(...xs) < 30 ? 2 : 10
  const logRange = log ? { logBase, min: (v: { min: number }) => v.min / 1.6, max: (v: { max: number }) => v.max * 1.6 } : {}
  const compact = (v: number) =>
    v >= 1e9
      ? `${+(v / 1e9).toPrecision(3)}G`
      : v >= 1e6
        ? `${+(v / 1e6).toPrecision(3)}M`
        : v >= 1e3
          ? `${+(v / 1e3).toPrecision(3)}k`
          : `${+v.toPrecision(3)}`
  return {
    animation: opts.animation ?? false,
    textStyle: { color: theme.text },
    legend: {
      top: 0,
      type: 'scroll',
      textStyle: { color: theme.text, fontSize: 11 },
      data: [...agg.series.map((s) => s.key), ...refs.map((d) => d.key), 'runs'],
    },
    grid: { left: 56, right: 24, top: 48, bottom: 48 },
    xAxis: {
      type: log ? 'log' : 'value',
      name: AXIS_NAMES[x],
      nameLocation: 'middle',
      nameGap: 28,
      scale: true,
      ...a,
      ...logRange,
      ...(log ? { axisLabel: { color: theme.muted, formatter: compact, showMinLabel: false, showMaxLabel: false } } : {}),
      ...(x === 'ratio' || x === 'P' ? { min: 0, max: x === 'P' ? 1 : undefined } : {}),
    },
    yAxis: { type: 'value', name: 'test accuracy %', ...a, ...ACCURACY_RANGE },
    series,
  }
}

export interface TraceMarks {
  ebEpoch: number | null
  bnEbEpoch: number | null
  /** dense epochs trained when the ticket was pruned */
  pruneEpoch: number | null
}

/** EB and pruning epochs as vertical marks; marks on the same epoch share one label. */
export function epochMarks(marks: TraceMarks): { xAxis: number; name: string; lineStyle: { color: string } }[] {
  const all: [number | null, string, string][] = [
    [marks.ebEpoch, 'spline EB', EB_COLOR],
    [marks.bnEbEpoch, 'BN EB', BN_EB_COLOR],
    [marks.pruneEpoch, 'pruned', PRUNE_COLOR],
  ]
  const byEpoch = new Map<number, { names: string[]; color: string }>()
  for (const [epoch, name, color] of all) {
    if (epoch == null) continue
    const m = byEpoch.get(epoch)
    if (m) m.names.push(name)
    else byEpoch.set(epoch, { names: [name], color })
  }
  return [...byEpoch.entries()].map(([xAxis, m]) => ({ xAxis, name: m.names.join(' · '), lineStyle: { color: m.color } }))
}

/** Both detectors: each one's window statistic against its own threshold, tickets and pruning marked. */
export function ebTraceOption(
  spline: readonly EbTracePoint[],
  bn: readonly EbTracePoint[],
  marks: TraceMarks,
  theme: ChartTheme,
  opts: { markLabels?: boolean } = {},
): EChartsOption {
  const a = axisStyle(theme)
  const markData = epochMarks(marks)
  const gap = (v: number | null) => v ?? '-'
  return {
    animation: false,
    textStyle: { color: theme.text },
    legend: { top: 0, left: 0, itemWidth: 14, itemGap: 8, textStyle: { color: theme.text, fontSize: 11 } },
    tooltip: { trigger: 'axis', backgroundColor: theme.surface, borderColor: theme.grid, textStyle: { color: theme.text } },
    // room for a legend wrapped over two lines in narrow panels, and the marks' labels
    grid: { left: 48, right: 16, top: 72, bottom: 34 },
    xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 22, minInterval: 1, min: 'dataMin', max: 'dataMax', ...a },
    yAxis: { type: 'value', min: 0, ...a },
    series: [
      {
        type: 'line',
        name: 'spline: max D in window',
        color: theme.accent,
        showSymbol: spline.length <= 60,
        symbolSize: 4,
        data: spline.map((p) => [p.epoch, gap(p.maxDistance)]),
        // The app names the marks in its own legend: labels of adjacent epochs would overlap.
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', width: 1.5 },
          label: { show: opts.markLabels ?? true, formatter: '{b}', fontSize: 10 },
          data: markData,
        },
      },
      {
        type: 'line',
        name: 'spline ε',
        color: theme.accent,
        step: 'middle',
        showSymbol: false,
        lineStyle: { type: 'dotted', width: 1.5 },
        data: spline.map((p) => [p.epoch, p.threshold]),
      },
      {
        type: 'line',
        name: 'BN mask: max distance in queue',
        color: BN_EB_COLOR,
        showSymbol: bn.length <= 60,
        symbolSize: 4,
        data: bn.map((p) => [p.epoch, gap(p.maxDistance)]),
      },
      {
        type: 'line',
        name: 'BN threshold',
        color: BN_EB_COLOR,
        step: 'middle',
        showSymbol: false,
        lineStyle: { type: 'dotted', width: 1.5 },
        data: bn.map((p) => [p.epoch, p.threshold]),
      },
    ],
  }
}

/** Channels of each prunable layer before → after, and MACs per layer before → after. */
export function archBarsOption(diff: ArchDiff, metric: 'channels' | 'macs' | 'params', theme: ChartTheme): EChartsOption {
  const a = axisStyle(theme)
  const rows =
    metric === 'channels'
      ? diff.rows.filter((r) => r.widths.length && r.name !== 'classifier')
      : diff.rows.filter((r) => (metric === 'macs' ? r.macsBefore : r.paramsBefore) > 0)
  // Blocks with two prunable widths (c1, c2) get one bar pair per width.
  const labels: string[] = []
  const before: number[] = []
  const after: number[] = []
  for (const r of rows) {
    if (metric === 'channels') {
      for (const w of r.widths.filter((x) => r.kind !== 'bottleneck' || x.field !== 'out').filter((x) => r.kind !== 'basic' || x.field === 'mid')) {
        labels.push(r.widths.length > 1 ? `${r.name}.${w.field}` : r.name)
        before.push(w.before)
        after.push(w.after)
      }
    } else {
      labels.push(r.name)
      before.push(metric === 'macs' ? r.macsBefore : r.paramsBefore)
      after.push(metric === 'macs' ? r.macsAfter : r.paramsAfter)
    }
  }
  const name = metric === 'channels' ? 'channels' : metric === 'macs' ? 'MACs' : 'params'
  return {
    animation: false,
    textStyle: { color: theme.text },
    legend: { top: 0, textStyle: { color: theme.text, fontSize: 11 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, backgroundColor: theme.surface, borderColor: theme.grid, textStyle: { color: theme.text } },
    grid: { left: 64, right: 16, top: 32, bottom: labels.length > 12 ? 84 : 56 },
    xAxis: { type: 'category', data: labels, ...a, axisLabel: { color: theme.muted, rotate: labels.length > 8 ? 45 : 0, interval: 0, fontSize: 10 } },
    yAxis: { type: metric === 'channels' ? 'value' : 'log', name, ...a },
    series: [
      // Overlaid: the grey left over above the blue bar is what pruning removed.
      { type: 'bar', name: 'before', data: before, itemStyle: { color: theme.muted, opacity: 0.35 }, barGap: '-100%', z: 1 },
      { type: 'bar', name: 'after', data: after, itemStyle: { color: theme.accent }, z: 2 },
    ],
  }
}
