/**
 * The statistics against hand-computed values, and the aggregation's like-with-like rules: series
 * split on every config field but the seed, pooled only when asked, dense references matched to
 * the training budget, paired differences on shared seeds, and the claim checklist.
 */
import { describe, expect, it } from 'vitest'
import { RunConfigSchema, type RunConfigInput, type RunSummary } from '../../src-main/contract/api'
import { aggregate, appliedConfig, claimWarnings, configDiff, pairedDifferences, pairedStat, std, tQuantile } from '../../src-main/common/analysis'

describe('Student t and paired intervals', () => {
  it('t quantiles equal the tables', () => {
    for (const [df, t] of [
      [1, 12.7062],
      [2, 4.3027],
      [3, 3.1824],
      [4, 2.7764],
      [9, 2.2622],
      [29, 2.0452],
      [1000, 1.9623],
    ] as const)
      expect(tQuantile(0.975, df)).toBeCloseTo(t, 4)
    expect(tQuantile(0.025, 5)).toBeCloseTo(-2.5706, 4)
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.8125, 4)
  })

  it('a paired difference: mean ± t₀.₉₇₅,₃ · sd / √4, by hand', () => {
    // d = 1, 2, 3, 6: mean 3, sd √(14/3) = 2.16025, half-width 3.18245 · 2.16025 / 2 = 3.43744
    const s = pairedStat([1, 2, 3, 6])
    expect(s.n).toBe(4)
    expect(s.mean).toBe(3)
    expect(s.sd).toBeCloseTo(2.16025, 5)
    expect(s.ci![0]).toBeCloseTo(-0.43744, 4)
    expect(s.ci![1]).toBeCloseTo(6.43744, 4)
    expect(pairedStat([0.5]).ci).toBeNull()
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13809, 5)
  })
})

let next = 0
function run(c: Partial<RunConfigInput>, over: Partial<RunSummary> = {}): RunSummary {
  const config = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'cnn', epochs: 10, ...c })
  const id = `r${next++}`
  return {
    id,
    name: id,
    status: 'finished',
    dataset: config.dataset,
    model: config.model,
    method: config.method,
    epochs: config.epochs,
    epochsDone: config.epochs,
    backend: 'cpu',
    testAccuracy: 0.8,
    ebEpoch: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    wallSeconds: 1,
    error: null,
    criterion: config.method === 'dense' ? null : (config.criterion ?? 'spline'),
    ratio: config.method === 'dense' ? null : config.ratio,
    params: 1,
    macs: 100,
    flops: 200,
    trainFlops: 1e6,
    bnEbEpoch: null,
    sweepId: null,
    config,
    resolved: null,
    ...over,
  }
}

describe('like with like', () => {
  it('runs that differ in P are separate series, never seeds of one point; pooling over P is deliberate', () => {
    const runs = [0, 1].flatMap((seed) =>
      [0.5, 1].map((P) => run({ method: 'spline-eb', criterion: 'spline', ratio: 0.5, P, seed }, { testAccuracy: 0.8 + P / 10 + seed / 100 })),
    )
    const agg = aggregate(
      runs.map((summary) => ({ summary })),
      'macs',
    )
    expect(agg.series.map((s) => [s.key, s.points.map((p) => p.n)])).toEqual([
      ['spline-eb · spline · P=0.5', [2]],
      ['spline-eb · spline · P=1', [2]],
    ])
    expect(agg.varying).toEqual(['P'])
    const pooled = aggregate(
      runs.map((summary) => ({ summary })),
      'macs',
      { pool: ['P'] },
    )
    expect(pooled.series.map((s) => [s.key, s.points[0]!.n])).toEqual([['spline-eb · spline', 4]])
  })

  it('the dense reference of the same epoch budget, one per budget', () => {
    const runs = [
      run({ method: 'dense', epochs: 30, seed: 0 }, { testAccuracy: 0.9 }),
      run({ method: 'dense', epochs: 20, seed: 0 }, { testAccuracy: 0.88 }),
      run({ method: 'dense', epochs: 20, seed: 1 }, { testAccuracy: 0.86 }),
      run({ method: 'prune-after', criterion: 'l1', epochs: 20, seed: 0 }),
    ]
    const agg = aggregate(
      runs.map((summary) => ({ summary })),
      'trainFlops',
    )
    expect(agg.denseRefs.map((d) => [d.key, d.n])).toEqual([
      ['dense · epochs=30', 1],
      ['dense · epochs=20', 2],
    ])
    expect(agg.series[0]!.denseKey).toBe('dense · epochs=20')
    expect(agg.dense!.y).toBeCloseTo(0.87)
  })

  it('ablations: accuracy vs P has one line per ratio, accuracy vs ratio one line per P', () => {
    const runs = [0.3, 0.7].flatMap((ratio) => [0, 0.5, 1].map((P) => run({ method: 'spline-eb', criterion: 'spline', ratio, P })))
    const inputs = runs.map((summary) => ({ summary }))
    expect(aggregate(inputs, 'P').series.map((s) => [s.key, s.points.map((p) => p.at)])).toEqual([
      ['spline-eb · spline · ratio=0.3', [0, 0.5, 1]],
      ['spline-eb · spline · ratio=0.7', [0, 0.5, 1]],
    ])
    expect(aggregate(inputs, 'ratio').series.map((s) => [s.key, s.points.map((p) => p.at)])).toEqual([
      ['spline-eb · spline · P=0', [0.3, 0.7]],
      ['spline-eb · spline · P=0.5', [0.3, 0.7]],
      ['spline-eb · spline · P=1', [0.3, 0.7]],
    ])
  })

  it('paired differences on the seeds both criteria have, with the t interval of those differences', () => {
    const accs = { spline: [0.86, 0.87, 0.85, 0.88, 0.9], random: [0.84, 0.86, 0.85, 0.85, 0.87] }
    const runs = Object.entries(accs).flatMap(([criterion, ys]) =>
      ys.map((y, seed) => run({ method: 'spline-eb', criterion: criterion as 'spline', scope: 'layerwise', seed }, { testAccuracy: y })),
    )
    runs.push(run({ method: 'spline-eb', criterion: 'spline', scope: 'layerwise', seed: 9 }, { testAccuracy: 0.5 })) // no partner: not paired
    const agg = aggregate(
      runs.map((summary) => ({ summary })),
      'macs',
    )
    const [d] = pairedDifferences(agg, 'spline-eb · random')
    expect(d).toMatchObject({ series: 'spline-eb · spline', at: 0.5, seeds: [0, 1, 2, 3, 4] })
    const expected = pairedStat(accs.spline.map((y, i) => y - accs.random[i]!))
    expect(d!.stat.mean).toBeCloseTo(0.018, 10)
    expect(d!.stat.ci).toEqual(expected.ci)
  })

  it('the checklist: one point, few seeds, no random / magnitude / dense baseline, unequal MACs', () => {
    const few = [run({ method: 'spline-eb', seed: 0 }, { macs: 100 }), run({ method: 'spline-eb', criterion: 'bn-slimming', seed: 0 }, { macs: 130 })]
    const w = claimWarnings(
      aggregate(
        few.map((summary) => ({ summary })),
        'macs',
      ),
    )
    expect(w).toEqual([
      'one operating point only (ratio 0.5): compare at several ratios or budgets',
      'fewer than 3 seeds: spline-eb · bn-slimming at ratio 0.5 (n = 1); spline-eb · spline at ratio 0.5 (n = 1)',
      'no random baseline under the same budget',
      'no magnitude baseline (l1 / l2) under the same budget',
      'no dense run of the same training budget beside (dataset, model, epochs, batch, lr, augmentation)',
      'not at equal MACs at ratio 0.5: 100–130 (prune layerwise, or use budget macs / a sweep with equal MACs)',
    ])
    const full = [0, 1, 2].flatMap((seed) => [
      run({ method: 'dense', seed }),
      ...['spline', 'random', 'l1'].flatMap((criterion) => [0.3, 0.5].map((ratio) => run({ method: 'spline-eb', criterion: criterion as 'l1', ratio, seed }))),
    ])
    expect(
      claimWarnings(
        aggregate(
          full.map((summary) => ({ summary })),
          'macs',
        ),
      ),
    ).toEqual([])
  })
})

describe('applied configs', () => {
  it('show the resolved defaults and only the fields that apply', () => {
    const dense = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'cnn', method: 'dense' })
    const keys = appliedConfig(dense).map((f) => f.key)
    for (const k of ['ratio', 'criterion', 'P', 'scope', 'finetuneEpochs', 'ebCap', 'hidden']) expect(keys).not.toContain(k)
    const pa = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'cnn', method: 'prune-after', epochs: 8 })
    const resolved = {
      criterion: 'bn-slimming' as const,
      bnL1: 1e-4,
      finetuneEpochs: 4,
      capEpoch: null,
      augment: 'none' as const,
      budget: 'channels' as const,
      targetMacs: null,
    }
    const rows = configDiff([dense, pa], [null, resolved])
    const row = (k: string) => rows.find((r) => r.key === k)!
    expect(row('criterion')).toMatchObject({ values: ['–', 'bn-slimming'], resolved: [false, true], differs: true })
    expect(row('bnL1')).toMatchObject({ values: ['0', '0.0001'], resolved: [true, true] })
    expect(row('finetuneEpochs').values).toEqual(['–', '4'])
    expect(row('ratio').values).toEqual(['–', '0.5'])
    expect(rows.find((r) => r.key === 'P')).toBeUndefined() // bn-slimming: P does not apply
  })
})
