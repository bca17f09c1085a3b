/**
 * The numbers behind the comparison views and reports: aggregation over seeds, config diffs,
 * the reproduce command (round-tripped through the CLI's own flag parser), architecture diffs
 * of a pruned ResNet, CSV quoting, and the heatmap's pooling for long runs.
 */
import { describe, expect, it } from 'vitest'
import { RunConfigSchema, type RunDetail, type RunSummary } from '../../src-main/contract/api'
import { aggregate, configDiff, formatChange, formatCount, lastRecordedEpoch, reproduceCommand, std } from '../../src-main/common/analysis'
import { archDiff, widthLabel } from '../../src-main/common/archDiff'
import { csvCell, toCsv } from '../../src-main/report/csv'
import { heatmapOption } from '../../src-main/report/svg'
import { runConfigFromFlags, RUN_FLAGS, parseFlags } from '../../src-main/cli/args'
import { buildSpec } from '../../src-main/core/models'
import { countCosts } from '../../src-main/core/flops'
import { prunedSpec } from '../../src-main/core/pruning/surgery'
import { channelGroups } from '../../src-main/core/spec'

const summary = (over: Partial<RunSummary>): RunSummary =>
  ({
    id: 'x',
    name: 'x',
    status: 'finished',
    dataset: 'builtin:xshape',
    model: 'mlp',
    method: 'dense',
    epochs: 10,
    epochsDone: 10,
    backend: 'cpu',
    testAccuracy: 0.9,
    ebEpoch: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    wallSeconds: 1,
    error: null,
    criterion: null,
    ratio: null,
    params: 1,
    macs: 100,
    flops: 200,
    trainFlops: 1e6,
    bnEbEpoch: null,
    sweepId: null,
    ...over,
  }) as RunSummary

describe('aggregation', () => {
  const runs = [
    summary({ id: 'd0', testAccuracy: 0.9, trainFlops: 1e6 }),
    summary({ id: 'd1', testAccuracy: 0.92, trainFlops: 1e6 }),
    summary({ id: 'a', method: 'spline-eb', criterion: 'spline', ratio: 0.5, testAccuracy: 0.8, trainFlops: 4e5 }),
    summary({ id: 'b', method: 'spline-eb', criterion: 'spline', ratio: 0.5, testAccuracy: 0.84, trainFlops: 6e5 }),
    summary({ id: 'c', method: 'spline-eb', criterion: 'spline', ratio: 0.3, testAccuracy: 0.88, trainFlops: 7e5 }),
    summary({ id: 'e', method: 'eb-bn', criterion: 'bn-slimming', ratio: 0.5, testAccuracy: 0.7 }),
    summary({ id: 'f', method: 'eb-bn', criterion: 'bn-slimming', ratio: 0.5, status: 'failed', testAccuracy: null }),
  ]

  it('one series per method + criterion, a point per ratio: mean and spread over seeds; dense as the reference', () => {
    const agg = aggregate(
      runs.map((summary) => ({ summary })),
      'trainFlops',
    )
    expect(agg.series.map((s) => s.key)).toEqual(['eb-bn · bn-slimming', 'spline-eb · spline'])
    const spline = agg.series[1]!
    expect(spline.points.map((p) => p.at)).toEqual([0.3, 0.5])
    expect(spline.points[1]).toMatchObject({ x: 5e5, n: 2, runIds: ['a', 'b'] })
    expect(spline.points[1]!.y).toBeCloseTo(0.82)
    expect(spline.points[1]!.yStd).toBeCloseTo(std([0.8, 0.84]))
    expect(agg.dense).toMatchObject({ x: 1e6, n: 2 })
    expect(agg.dense!.y).toBeCloseTo(0.91)
    expect(agg.points.map((p) => p.id).sort()).toEqual(['a', 'b', 'c', 'd0', 'd1', 'e'])
  })

  it('groups by P for the Fig. 9 ablation', () => {
    const inputs = [0, 0.5, 1, 1].map((P, i) => ({
      summary: summary({ id: `p${i}`, method: 'spline-eb', criterion: 'spline', ratio: 0.5, testAccuracy: 0.8 + i / 100 }),
      P,
    }))
    const agg = aggregate(inputs, 'P')
    expect(agg.series[0]!.points.map((p) => [p.at, p.n])).toEqual([
      [0, 1],
      [0.5, 1],
      [1, 2],
    ])
  })
})

describe('config diff and reproduce', () => {
  it('marks the fields the runs disagree on', () => {
    const a = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp' })
    const b = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', seed: 2, eb: { window: 4 } })
    const rows = configDiff([a, b]).filter((r) => r.differs)
    expect(rows.map((r) => r.key)).toEqual(['seed', 'eb.window'])
  })

  it('gives a command whose flags parse back to the same config', () => {
    const config = RunConfigSchema.parse({
      dataset: 'builtin:fashion-mini',
      model: 'cnn',
      width: 0.5,
      method: 'prune-after',
      criterion: 'l2',
      ratio: 0.3,
      scope: 'layerwise',
      finetuneEpochs: 4,
      bnL1: 0.001,
      epochs: 9,
      batchSize: 32,
      lr: 0.05,
      seed: 7,
      trainLimit: 300,
      probeSamples: 64,
      name: "it's mine",
      eb: { window: 4, epsilon: 0.2 },
    })
    const cmd = reproduceCommand(config)
    const argv = cmd
      .replace(/^spline-lab run /, '')
      .match(/'(?:[^']|'\\'')*'|\S+/g)!
      .map((w) => (w.startsWith("'") ? w.slice(1, -1).replace(/'\\''/g, "'") : w))
    const { values } = parseFlags(argv, RUN_FLAGS)
    const back = runConfigFromFlags(values as Record<string, string>)
    expect(back).toEqual(config)
  })

  it('names the settings that had no flag before (lr milestones, BN EB, both probe sizes, workers, checkpoints)', () => {
    const config = RunConfigSchema.parse({
      dataset: 'builtin:xshape',
      model: 'mlp',
      lrMilestones: [0.3],
      bnEb: { queue: 3 },
      probeGrid: 20,
      trainWorkers: 2,
      keepCheckpoints: 'last',
    })
    const cmd = reproduceCommand(config)
    expect(cmd).toBe(
      'spline-lab run --dataset builtin:xshape --model mlp --method dense --bn-eb-queue 3 --epochs 30 --lr-milestones 0.3 --probe-grid 20 --train-workers 2 --keep-checkpoints last',
    )
  })
})

describe('architecture diff', () => {
  it('reads a pruned ResNet: prunable widths, params and MACs before and after, totals', () => {
    const spec = buildSpec('resnet20', [32, 32, 3], 10)
    const selection = Object.fromEntries(channelGroups(spec).map((g) => [g.id, Array.from({ length: g.width / 2 }, (_, i) => i)]))
    const diff = archDiff(countCosts(spec), countCosts(prunedSpec(spec, selection)), {
      criterion: 'l1',
      scope: 'layerwise',
      ratio: 0.5,
      P: 0.5,
      atEpoch: 1,
      ebFallback: false,
      retrain: 'finetune',
      kept: selection,
      notes: [],
    })
    const block = diff.rows.find((r) => r.name === 'layer1.0')!
    expect(block.widths).toEqual([
      { field: 'mid', before: 16, after: 8 },
      { field: 'out', before: 16, after: 16 },
    ])
    expect(widthLabel(block)).toBe('mid 16 → 8 · out 16')
    expect(diff.rows.find((r) => r.name === 'conv1')!.pruned).toBe(false)
    expect(diff.totals.macsBefore).toBeCloseTo(40.6e6, -5)
    expect(diff.ratios.macs).toBeLessThan(0.6)
    expect(diff.channels.after).toBe(diff.channels.before / 2)
    expect(formatCount(diff.totals.macsBefore)).toBe('40.6 M')
    expect(formatChange(100, 42)).toBe('−58.0%')
  })
})

describe('csv and heatmap', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK(1)')).toBe("'=HYPERLINK(1)")
    expect(csvCell(null)).toBe('')
    expect(csvCell(Number.NaN)).toBe('')
    expect(toCsv(['a', 'b'], [[1, 'x\ny']])).toBe('a,b\n1,"x\ny"\n')
  })

  it('labels rows by the last dense epoch and pools long runs', () => {
    const metrics = [1, 2, 3, 4, 5].map((epoch) => ({ epoch, phase: epoch <= 3 ? 'dense' : 'retrain' }))
    expect(lastRecordedEpoch(metrics as never)).toBe(3)
    const rows = Array.from({ length: 200 }, (_, t) => Array.from({ length: t + 1 }, (_, s) => (t - s) / 200))
    const detail = {
      summary: summary({ ebEpoch: 50 }),
      distances: { mean: rows },
      metrics: rows.map((_, i) => ({ epoch: i + 1, phase: 'dense' })),
      pruning: null,
    } as unknown as RunDetail
    const { option, pooled } = heatmapOption(detail)
    expect(pooled).toBe(3)
    const data = (option.series as { data: number[][] }[])[0]!.data
    expect(data.length).toBe(67 * 67)
    expect((option.xAxis as { data: string[] }).data[0]).toBe('1')
  })
})
