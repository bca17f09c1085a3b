/**
 * Charts of a report as SVG strings, rendered in Node with ECharts' server-side renderer: no
 * browser, no canvas, and the report stays one self-contained file with vector charts.
 */
import * as echarts from 'echarts'
import type { EChartsOption } from 'echarts'
import type { RunDetail } from '../contract/api'
import { lastRecordedEpoch } from '../common/analysis'
import { ACCURACY_RANGE, LIGHT_THEME, EB_COLOR, PRUNE_COLOR, epochMarks, type ChartTheme } from '../common/chartOptions'

export function renderSvg(option: EChartsOption, width = 640, height = 320): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption({ animation: false, ...option })
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

/** the shared axis look, light theme (reports print on white) */
function axis(t: ChartTheme = LIGHT_THEME) {
  return {
    axisLine: { lineStyle: { color: t.grid } },
    axisLabel: { color: t.muted },
    splitLine: { lineStyle: { color: t.grid, opacity: 0.6 } },
    nameTextStyle: { color: t.muted },
  }
}

const markLines = (d: RunDetail) => epochMarks({ ebEpoch: d.summary.ebEpoch, bnEbEpoch: d.summary.bnEbEpoch, pruneEpoch: d.pruning?.atEpoch ?? null })

/** Loss (top) and accuracy (bottom) per epoch, raw values, with the EB and pruning epochs. */
export function curvesOption(d: RunDetail): EChartsOption {
  const t = LIGHT_THEME
  const m = d.metrics
  const line = (name: string, color: string, grid: number, pick: (x: RunDetail['metrics'][number]) => number) => ({
    type: 'line' as const,
    name,
    color,
    xAxisIndex: grid,
    yAxisIndex: grid,
    showSymbol: false,
    data: m.map((x) => [x.epoch, pick(x)]),
  })
  return {
    textStyle: { color: t.text },
    legend: { top: 0, textStyle: { color: t.text, fontSize: 11 } },
    grid: [
      { left: 56, right: 16, top: 40, height: '32%' },
      { left: 56, right: 16, top: '58%', bottom: 34 },
    ],
    xAxis: [
      { type: 'value', gridIndex: 0, min: 'dataMin', max: 'dataMax', minInterval: 1, ...axis() },
      { type: 'value', gridIndex: 1, min: 'dataMin', max: 'dataMax', minInterval: 1, name: 'epoch', nameLocation: 'middle', nameGap: 22, ...axis() },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, name: 'loss', scale: true, ...axis() },
      { type: 'value', gridIndex: 1, name: 'accuracy %', ...axis(), ...ACCURACY_RANGE },
    ],
    series: [
      {
        ...line('train loss', '#3b82f6', 0, (x) => x.trainLoss),
        markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed' }, label: { formatter: '{b}', fontSize: 10 }, data: markLines(d) },
      },
      line('test loss', '#f59e0b', 0, (x) => x.testLoss),
      line('train acc', '#10b981', 1, (x) => x.trainAccuracy * 100),
      line('test acc', '#e04f8f', 1, (x) => x.testAccuracy * 100),
    ],
  }
}

/** Largest matrix drawn cell by cell; above it, blocks of epochs are shown by their maximum. */
const MAX_CELLS_SIDE = 80

/**
 * The epoch × epoch spline distance matrix of one layer (or the mean). Long runs are pooled into
 * blocks (max distance per block) so the SVG stays small; the caption says so.
 */
export function heatmapOption(d: RunDetail, layer = 'mean'): { option: EChartsOption; pooled: number } {
  const rows = d.distances[layer] ?? []
  const n = rows.length
  const block = Math.max(1, Math.ceil(n / MAX_CELLS_SIDE))
  const side = Math.ceil(n / block)
  const cells = new Map<number, number>()
  let max = 0
  rows.forEach((row, t) => {
    for (let s = 0; s <= t && s < row.length; s++) {
      const v = row[s]!
      if (!Number.isFinite(v)) continue
      const [a, b] = [Math.floor(t / block), Math.floor(s / block)]
      for (const k of [a * side + b, b * side + a]) cells.set(k, Math.max(cells.get(k) ?? 0, v))
      max = Math.max(max, v)
    }
  })
  const lastEpoch = lastRecordedEpoch(d.metrics) ?? n - 1
  const offset = lastEpoch - (n - 1)
  const labels = Array.from({ length: side }, (_, i) => String(i * block + offset))
  const data = [...cells.entries()].map(([k, v]) => [k % side, Math.floor(k / side), Math.round(v * 1e4) / 1e4])
  const at = (epoch: number | null) => (epoch == null ? -1 : Math.floor((epoch - offset) / block))
  const eb = at(d.summary.ebEpoch)
  const cat = {
    type: 'category' as const,
    data: labels,
    ...axis(),
    axisLabel: { color: LIGHT_THEME.muted, interval: Math.max(0, Math.ceil(side / 8) - 1) },
    splitArea: { show: false },
    name: 'epoch',
    nameLocation: 'middle' as const,
    nameGap: 26,
  }
  const marks: { xAxis?: number; yAxis?: number; lineStyle: { color: string } }[] = []
  if (eb >= 0) marks.push({ xAxis: eb, lineStyle: { color: EB_COLOR } }, { yAxis: eb, lineStyle: { color: EB_COLOR } })
  const pr = at(d.pruning?.atEpoch ?? null)
  if (pr >= 0 && d.pruning) marks.push({ xAxis: pr, lineStyle: { color: PRUNE_COLOR } })
  return {
    pooled: block,
    option: {
      grid: { left: 52, right: 16, top: 52, bottom: 44 },
      xAxis: cat,
      yAxis: { ...cat, inverse: true, nameGap: 34 },
      visualMap: {
        type: 'continuous',
        min: 0,
        max: Math.max(max, 1e-6),
        orient: 'horizontal',
        right: 8,
        top: 0,
        itemWidth: 12,
        itemHeight: 160,
        text: ['far', 'same'],
        inRange: { color: ['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154'] },
        textStyle: { color: LIGHT_THEME.muted },
      },
      series: [
        { type: 'heatmap', data, markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { type: 'dashed', width: 1.5 }, data: marks } },
      ],
    },
  }
}
