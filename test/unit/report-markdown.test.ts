/**
 * The Markdown tables of a study: accuracy per operating point and series, paired differences
 * against each series' matching random and l1 baselines with their t intervals, the checklist;
 * and the sweep's equal-MACs modes.
 */
import { describe, expect, it } from 'vitest'
import { RunConfigSchema, requestSchemas, type RunConfigInput, type RunSummary } from '../../src-main/contract/api'
import { pairedStat } from '../../src-main/common/analysis'
import { buildMarkdownReport } from '../../src-main/report/markdown'
import { expandSweep } from '../../src-main/service/sweep'

let next = 0
function run(c: Partial<RunConfigInput>, testAccuracy: number, macs = 100_000): RunSummary {
  const config = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'cnn', epochs: 4, scope: 'layerwise', ...c })
  const id = `m${next++}`
  return {
    id,
    name: id,
    status: 'finished',
    dataset: config.dataset,
    model: config.model,
    method: config.method,
    epochs: config.epochs,
    epochsDone: config.epochs,
    backend: 'wasm',
    testAccuracy,
    ebEpoch: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    wallSeconds: 1,
    error: null,
    criterion: config.method === 'dense' ? null : (config.criterion ?? null),
    ratio: config.method === 'dense' ? null : config.ratio,
    params: 1,
    macs,
    flops: 2 * macs,
    trainFlops: 1e9,
    bnEbEpoch: null,
    sweepId: 's',
    config,
    resolved: null,
  }
}

describe('Markdown report', () => {
  const acc = { spline: [0.86, 0.87, 0.85], l1: [0.85, 0.86, 0.86], random: [0.84, 0.85, 0.83] }
  const runs = [
    ...[0, 1, 2].map((seed) => run({ method: 'dense', seed }, 0.88, 200_000)),
    ...Object.entries(acc).flatMap(([criterion, ys]) =>
      [0.3, 0.5].flatMap((ratio) => ys.map((y, seed) => run({ method: 'spline-eb', criterion: criterion as 'l1', ratio, seed }, y - ratio / 10))),
    ),
  ]
  const md = buildMarkdownReport('study', runs, '2026-12-01')

  it('tabulates every series and operating point, and the dense reference', () => {
    expect(md).toContain('## fashion-mini · cnn')
    expect(md).toContain('| spline-eb · spline | 30% | 100 k | 83.00 ± 1.00 | 3 |')
    expect(md).toContain('| dense | – | 200 k | 88.00 ± 0.00 | 3 |')
  })

  it('pairs each series with its matching random and l1 baselines, on the same seeds', () => {
    const d = pairedStat(acc.spline.map((y, i) => y - acc.random[i]!))
    const ci = `[+${(d.ci![0] * 100).toFixed(2)}, +${(d.ci![1] * 100).toFixed(2)}]`
    expect(md).toContain('### Paired differences against random')
    expect(md).toContain(`| spline-eb · spline | 30% | 3 | +2.00 ± 0.00 | [+2.00, +2.00] | better |`)
    expect(ci).toBe('[+2.00, +2.00]')
    expect(md).toContain('### Paired differences against l1')
    // random − l1 = −1, −1, −3 points: mean −1.67, sd 1.15, half-width 4.3027 · 1.1547 / √3 = 2.87
    expect(md).toContain('| spline-eb · random | 50% | 3 | −1.67 ± 1.15 | [−4.54, +1.20] | no difference shown |')
    expect(md).toContain('### Checklist')
    expect(md).toContain('nothing missing')
  })

  it('a sweep with equal MACs holds every criterion to the same cost per ratio', () => {
    const req = (equalMacs?: 'layerwise' | 'target') =>
      expandSweep(
        requestSchemas['runs.sweep'].parse({
          config: { dataset: 'builtin:fashion-mini', model: 'cnn' },
          methods: ['dense', 'spline-eb'],
          criteria: ['spline', 'l1'],
          ratios: [0.5],
          seeds: 1,
          ...(equalMacs ? { equalMacs } : {}),
        }),
      )
    expect(
      req('layerwise')
        .filter((c) => c.method !== 'dense')
        .map((c) => [c.scope, c.budget]),
    ).toEqual([
      ['layerwise', undefined],
      ['layerwise', undefined],
    ])
    expect(
      req('target')
        .filter((c) => c.method !== 'dense')
        .map((c) => [c.scope, c.budget]),
    ).toEqual([
      ['global', 'macs'],
      ['global', 'macs'],
    ])
    expect(req().every((c) => c.budget === undefined)).toBe(true)
    expect(req('target').find((c) => c.method === 'dense')!.budget).toBeUndefined()
  })
})
