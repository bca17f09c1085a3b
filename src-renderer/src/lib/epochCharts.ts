/**
 * What the per-epoch curve charts (a run's loss & accuracy, the compare view's overlay) share:
 * axis styling from the theme, the two stacked grids with linked epoch axes, and [epoch, value]
 * points. Each chart keeps its own series and tooltip.
 */
import type { ThemeColors } from './themeColors'

export function axisStyle(c: ThemeColors) {
  return {
    axisLine: { lineStyle: { color: c.grid } },
    axisLabel: { color: c.muted },
    splitLine: { lineStyle: { color: c.grid, opacity: 0.6 } },
    nameTextStyle: { color: c.muted },
  }
}

/** Two grids stacked vertically sharing the epoch axis (labelled on the lower one only). */
export function stackedEpochGrids(c: ThemeColors, upper: { top: number; height: string }, lowerTop: string) {
  const axis = axisStyle(c)
  return {
    axisPointer: { link: [{ xAxisIndex: 'all' as const }] },
    grid: [
      { left: 52, right: 16, ...upper },
      { left: 52, right: 16, top: lowerTop, bottom: 34 },
    ],
    xAxis: [
      { type: 'value' as const, gridIndex: 0, min: 'dataMin' as const, max: 'dataMax' as const, minInterval: 1, ...axis, axisLabel: { show: false } },
      {
        type: 'value' as const,
        gridIndex: 1,
        min: 'dataMin' as const,
        max: 'dataMax' as const,
        minInterval: 1,
        name: 'epoch',
        nameLocation: 'middle' as const,
        nameGap: 22,
        ...axis,
      },
    ],
  }
}

/** [epoch, value] pairs for a line series. */
export function epochPoints(epochs: number[], values: number[]): [number, number | undefined][] {
  return epochs.map((e, i) => [e, values[i]])
}
