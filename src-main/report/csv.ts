/**
 * Every metric as CSV, one tidy table per kind (one row per observation, so a spreadsheet or
 * pandas reads them without reshaping): runs, per-epoch metrics with both EB traces, the spline
 * distance matrices, and the per-layer architecture before/after pruning.
 */
import type { RunDetail } from '../contract/api'
import { archDiff } from '../common/archDiff'
import { lastRecordedEpoch } from '../common/analysis'

type Cell = string | number | boolean | null | undefined

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with ' */
export function csvCell(v: Cell): string {
  if (v == null) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  let s = String(v)
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n'
}

export function runsCsv(details: readonly RunDetail[]): string {
  const header = [
    'id',
    'name',
    'sweep_id',
    'status',
    'dataset',
    'model',
    'hidden',
    'width',
    'method',
    'criterion',
    'ratio',
    'scope',
    'P',
    'retrain',
    'seed',
    'epochs_planned',
    'epochs_done',
    'test_accuracy',
    'spline_eb_epoch',
    'bn_eb_epoch',
    'pruned_at_epoch',
    'eb_fallback',
    'params',
    'macs',
    'flops',
    'train_flops',
    'params_before',
    'macs_before',
    'backend',
    'wall_seconds',
    'created_at',
    'finished_at',
    'error',
  ]
  const rows = details.map((d) => {
    const s = d.summary
    const c = d.config
    return [
      s.id,
      s.name,
      s.sweepId,
      s.status,
      s.dataset,
      s.model,
      c.hidden.join(' '),
      c.width,
      s.method,
      s.criterion,
      s.ratio,
      c.scope,
      c.P,
      c.retrain,
      c.seed,
      s.epochs,
      s.epochsDone,
      s.testAccuracy,
      s.ebEpoch,
      s.bnEbEpoch,
      d.pruning?.atEpoch,
      d.pruning?.ebFallback,
      s.params,
      s.macs,
      s.flops,
      s.trainFlops,
      d.costsBefore?.params,
      d.costsBefore?.macs,
      s.backend,
      s.wallSeconds,
      s.createdAt,
      s.finishedAt,
      s.error,
    ]
  })
  return toCsv(header, rows)
}

export function metricsCsv(details: readonly RunDetail[]): string {
  const header = [
    'run_id',
    'epoch',
    'phase',
    'train_loss',
    'train_accuracy',
    'test_loss',
    'test_accuracy',
    'lr',
    'seconds',
    'spline_seconds',
    'spline_eb_max_distance',
    'spline_eb_threshold',
    'bn_eb_max_distance',
    'bn_eb_threshold',
  ]
  const rows: Cell[][] = []
  for (const d of details) {
    const eb = new Map(d.ebTrace.map((p) => [p.epoch, p]))
    const bn = new Map(d.bnEbTrace.map((p) => [p.epoch, p]))
    for (const m of d.metrics) {
      const e = eb.get(m.epoch)
      const b = bn.get(m.epoch)
      rows.push([
        d.summary.id,
        m.epoch,
        m.phase,
        m.trainLoss,
        m.trainAccuracy,
        m.testLoss,
        m.testAccuracy,
        m.lr,
        m.seconds,
        m.splineSeconds,
        e?.maxDistance,
        e?.threshold,
        b?.maxDistance,
        b?.threshold,
      ])
    }
  }
  return toCsv(header, rows)
}

/** d(t, s) for s ≤ t, per layer and for the mean; epochs numbered as in metrics.csv */
export function distancesCsv(details: readonly RunDetail[]): string {
  const rows: Cell[][] = []
  for (const d of details) {
    for (const [layer, matrix] of Object.entries(d.distances)) {
      const last = lastRecordedEpoch(d.metrics) ?? matrix.length - 1
      const offset = last - (matrix.length - 1)
      matrix.forEach((row, t) => row.forEach((v, s) => rows.push([d.summary.id, layer, t + offset, s + offset, v])))
    }
  }
  return toCsv(['run_id', 'layer', 'epoch', 'other_epoch', 'distance'], rows)
}

export function layersCsv(details: readonly RunDetail[]): string {
  const rows: Cell[][] = []
  for (const d of details) {
    if (!d.costsBefore) continue
    for (const r of archDiff(d.costsBefore, d.costsAfter, d.pruning).rows) {
      const widths = (pick: 'before' | 'after') => r.widths.map((w) => `${w.field}=${w[pick]}`).join(' ')
      rows.push([
        d.summary.id,
        r.name,
        r.kind,
        widths('before'),
        widths('after'),
        r.paramsBefore,
        r.paramsAfter,
        r.macsBefore,
        r.macsAfter,
        r.flopsBefore,
        r.flopsAfter,
      ])
    }
  }
  return toCsv(
    ['run_id', 'layer', 'kind', 'widths_before', 'widths_after', 'params_before', 'params_after', 'macs_before', 'macs_after', 'flops_before', 'flops_after'],
    rows,
  )
}
