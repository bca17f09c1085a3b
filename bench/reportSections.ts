/** The report's sections beyond training speed: parameter check, epoch, spline watch, store. */
import { bytes, num, pad, table } from './format'
import type { BenchReport } from './types'

const ratio = (big: number, small: number): string => (small === 0 ? '–' : `1/${(big / small).toFixed(1)}`)
const pct = (x: number | null): string => (x === null ? '–' : `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)} %`)

export function paramLines(r: BenchReport): string[] {
  if (r.params.length === 0) return []
  const out = ['trainable parameters, ours (Network) / PyTorch:']
  for (const p of r.params) {
    const verdict = p.equal === null ? (p.torchNote ?? 'not compared') : p.equal ? 'equal' : 'DIFFERENT: the two sides do not train the same model'
    out.push(`  ${pad(p.model, 5)} ${num(p.ours)} / ${p.torch === null ? '–' : num(p.torch)}  ${verdict}`)
  }
  return out
}

export function epochLines(r: BenchReport): string[] {
  if (!r.epoch) return []
  if (r.epoch.skipped) return [`Fashion-MNIST epoch not measured: ${r.epoch.skipped}`]
  const rows = r.epoch.rows
  if (rows.length === 0) return r.epoch.torchNote ? [r.epoch.torchNote] : []
  const first = rows[0]!
  const full = first.images === first.of
  const out = [
    `Fashion-MNIST epoch of the small cnn, batch ${first.batch}: ${num(first.images)} of ${num(first.of)} training images` +
      `${full ? ' (a full epoch)' : ' (part of an epoch)'}; wall time of shuffle + gather + steps of a fresh network's first ` +
      `epoch; the test set's evaluation is timed apart and not included; loading the data is not included:`,
    table(
      ['configuration', 'train s', 'samples/s', `eval s (${num(first.testImages)})`, 'load s', 'train acc', 'test acc'],
      rows.map((e) => [
        e.label,
        e.trainSeconds.toFixed(1),
        num(e.samplesPerSec),
        e.evalSeconds.toFixed(2),
        e.loadSeconds.toFixed(1),
        e.trainAccuracy.toFixed(3),
        e.testAccuracy.toFixed(3),
      ]),
      [false, true, true, true, true, true, true],
    ),
  ]
  const ours = rows.filter((e) => e.engine === 'ours')
  const torch = rows.filter((e) => e.engine === 'PyTorch')
  for (const o of ours) {
    const t = torch.find((x) => x.threads === o.threads)
    if (t) out.push(`  ours / PyTorch wall time, ${o.threads} core(s) each: ${(o.trainSeconds / t.trainSeconds).toFixed(2)}× (target ≤ 1.2×)`)
  }
  if (ours.length > 0 && torch.length > 0) {
    const best = (xs: typeof rows): number => Math.min(...xs.map((e) => e.trainSeconds))
    out.push(`  best of ours / best of PyTorch: ${(best(ours) / best(torch)).toFixed(2)}×`)
  }
  if (r.epoch.torchNote) out.push(`  ${r.epoch.torchNote}`)
  return out
}

export function splineLines(r: BenchReport): string[] {
  if (!r.spline || r.spline.length === 0) return []
  const s0 = r.spline[0]!
  const out = [
    `spline watch, default probe (${s0.probe.kind}: ${s0.probe.count} inputs, budget ${num(s0.probe.budgetBits)} bits per layer), ` +
      `${s0.epochs} epochs recorded; % of an epoch of ${num(s0.epochImages)} images at the training rate of "${s0.rateFrom ?? '–'}":`,
    table(
      ['model', 'BN layers', 'bits/epoch', 'record ms', 'matrix ms (first → last)', 'epoch s', '% mean', '% last'],
      r.spline.map((s) => {
        const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
        return [
          s.model,
          String(s.memory.layers.length),
          num(s.memory.layers.reduce((n, l) => n + l.bits, 0)),
          mean(s.recordMs).toFixed(1),
          `${s.matrixMs[0]!.toFixed(2)} → ${s.matrixMs.at(-1)!.toFixed(2)}`,
          s.epochTrainSeconds === null ? '–' : s.epochTrainSeconds.toFixed(1),
          pct(s.meanPercent),
          pct(s.lastPercent),
        ]
      }),
      [false, true, true, true, true, true, true, true],
    ),
    '',
    'code memory per recorded epoch vs the float32 BN outputs the reference keeps for the same probe (target ≤ 1/32):',
    table(
      ['model', 'packed codes', 'reference float32', 'ratio', 'same kept values as float32', 'ratio', 'padding bits', 'codes after all epochs'],
      r.spline.map((s) => {
        const m = s.memory
        return [
          s.model,
          bytes(m.codeBytes),
          bytes(m.referenceBytes),
          ratio(m.referenceBytes, m.codeBytes),
          bytes(m.keptFloatBytes),
          ratio(m.keptFloatBytes, m.codeBytes),
          String(m.paddingBits),
          bytes(s.historyBytes),
        ]
      }),
      [false, true, true, true, true, true, true, true],
    ),
  ]
  for (const s of r.spline) {
    const sub = s.memory.layers.filter((l) => l.kept < l.spatial)
    if (sub.length > 0) out.push(`  ${s.model}: ${sub.map((l) => `${l.id} keeps ${l.kept} of ${l.spatial} positions`).join(', ')} (budget)`)
    out.push(`  ${s.model} probe: ${s.probe.source}`)
  }
  return out
}

export function storeLines(r: BenchReport): string[] {
  if (!r.store) return []
  const q = r.store.sqlite
  const h = r.store.report
  return [
    `SQLite, RunStore.appendEpoch on a temporary file (${q.journal}): a ${q.model} run's epochs with ${q.rowsPerEpoch} distance rows each, ` +
      `${q.runs} run(s) of ${q.epochsPerRun} epochs: ${num(q.epochsPerSec)} epochs/s (${num(q.rowsPerSec)} distance rows/s); ` +
      `one epoch ${q.firstEpochMs.toFixed(2)} ms at epoch 1, ${q.lastEpochMs.toFixed(2)} ms at epoch ${q.epochsPerRun}`,
    `HTML report of a ${h.epochs}-epoch pruned run with its distance matrix (${h.rowsPerEpoch} rows per epoch): ${bytes(h.htmlBytes)}, ` +
      `first render ${num(h.coldMs)} ms, then ${num(h.warmMs)} ms; PDF ${h.pdfMs === null ? `not measured (${h.pdfNote})` : `${num(h.pdfMs)} ms (Chromium start included)`}`,
  ]
}
