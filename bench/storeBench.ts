/**
 * Persistence and reporting costs: per-epoch writes through the product's RunStore (metrics, EB
 * trace, one distance row per layer and the mean, in one transaction as the service commits an
 * epoch) on a temporary database file, and the HTML report of a realistic finished run (30
 * epochs, a distance matrix, pruning) rendered by src-main/report/html.ts from what the store
 * reads back. PDF (headless Chromium) is timed once when Chromium is there and asked for.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { RunConfigSchema } from '../src-main/contract/runConfig'
import { countCosts } from '../src-main/core/flops'
import { channelGroups, withWidths } from '../src-main/core/spec'
import type { ArchSpec } from '../src-main/contract/arch'
import { buildHtmlReport } from '../src-main/report/html'
import { chromiumPdf, findChromium } from '../src-main/report/pdf'
import { RunStore } from '../src-main/store/runStore'
import { median } from './harness'
import { benchSpec } from './models'

export interface StoreResult {
  sqlite: {
    model: string
    /** distance rows per epoch: one per BN layer and the mean */
    rowsPerEpoch: number
    epochsPerRun: number
    runs: number
    epochsPerSec: number
    rowsPerSec: number
    /** median ms of one epoch's transaction at the first and at the last epoch of a run */
    firstEpochMs: number
    lastEpochMs: number
    journal: string
  }
  report: {
    epochs: number
    rowsPerEpoch: number
    htmlBytes: number
    /** the first render in the process (ECharts' first SSR included) and the next ones */
    coldMs: number
    warmMs: number
    pdfMs: number | null
    pdfNote: string | null
  }
}

/** A distance row of epoch e (1-based): d(e, s) for s = 1..e, the last one 0 as SplineHistory gives. */
function distanceRows(layers: string[], epoch: number): Record<string, number[]> {
  const rows: Record<string, number[]> = {}
  for (const [i, layer] of [...layers, 'mean'].entries()) {
    rows[layer] = Array.from({ length: epoch }, (_, s) => (s === epoch - 1 ? 0 : (0.4 * (epoch - 1 - s)) / epoch + 0.01 * ((i + s) % 7)))
  }
  return rows
}

function writeRun(store: RunStore, id: string, spec: ArchSpec, epochs: number, timings?: number[]): void {
  const config = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'vgg11', width: 0.25, method: 'spline-eb', epochs })
  const at = new Date().toISOString()
  const layers = channelGroups(spec).map((g) => g.id)
  store.createRun({ id, name: id, config, createdAt: at })
  store.markStarted(
    id,
    at,
    'wasm',
    layers,
    { kind: 'samples', count: 256, bitsPerLayer: Object.fromEntries(layers.map((l) => [l, 262_144])), budgetBits: 262_144 },
    spec,
  )
  const ebAt = Math.min(epochs, 8)
  for (let e = 1; e <= epochs; e++) {
    const metrics = {
      epoch: e,
      phase: e <= ebAt ? ('dense' as const) : ('retrain' as const),
      trainLoss: 2 / e,
      trainAccuracy: 1 - 0.5 / e,
      testLoss: 2.2 / e,
      testAccuracy: 0.9 - 0.5 / e,
      lr: 0.1,
      seconds: 60,
      splineSeconds: 0.5,
    }
    const rows = distanceRows(layers, e)
    const max = e > 3 ? Math.max(...rows.mean!.slice(-4, -1)) : null
    const t0 = performance.now()
    store.appendEpoch(
      id,
      metrics,
      rows,
      { epoch: e, maxDistance: max, threshold: 0.16 },
      e >= ebAt ? ebAt : null,
      at,
      { epoch: e, maxDistance: max, threshold: 0.1 },
      `epoch-${String(e).padStart(6, '0')}.ckpt`,
    )
    timings?.push(performance.now() - t0)
    if (e === ebAt) {
      const widths = Object.fromEntries(channelGroups(spec).map((g) => [g.id, Math.ceil(g.width / 2)]))
      store.markPruned(id, withWidths(spec, widths), {
        criterion: 'spline',
        scope: 'global',
        ratio: 0.5,
        P: 0.75,
        atEpoch: ebAt,
        ebFallback: false,
        retrain: 'finetune',
        notes: [],
        kept: Object.fromEntries(channelGroups(spec).map((g) => [g.id, Array.from({ length: widths[g.id]! }, (_, i) => i)])),
      })
    }
  }
  const after = withWidths(spec, Object.fromEntries(channelGroups(spec).map((g) => [g.id, Math.ceil(g.width / 2)])))
  const costs = countCosts(after)
  store.finish(id, 'finished', at, {
    testAccuracy: 0.88,
    ebEpoch: ebAt,
    params: costs.params,
    macs: costs.macs,
    flops: costs.flops,
    trainFlops: costs.flops * 3 * 50_000 * epochs,
    wallSeconds: 60 * epochs,
  })
}

export async function storeChild(options: { epochsPerRun: number; minSeconds: number; pdf: boolean }): Promise<StoreResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'spline-bench-db-'))
  const spec = benchSpec('vgg11')
  const rowsPerEpoch = channelGroups(spec).length + 1
  try {
    const store = new RunStore(join(dir, 'bench.db'))
    try {
      // Whole runs, one after another, until enough time has passed to trust the rate.
      const perEpoch: number[][] = []
      const t0 = performance.now()
      while (perEpoch.length < 1 || (performance.now() - t0 < options.minSeconds * 1000 && perEpoch.length < 50)) {
        const timings: number[] = []
        writeRun(store, `bench-${perEpoch.length}`, spec, options.epochsPerRun, timings)
        perEpoch.push(timings)
      }
      const seconds = perEpoch.flat().reduce((a, b) => a + b, 0) / 1000
      const epochs = perEpoch.length * options.epochsPerRun
      const journal = String(store.db.pragma('journal_mode', { simple: true }))
      const sqlite = {
        model: 'vgg11',
        rowsPerEpoch,
        epochsPerRun: options.epochsPerRun,
        runs: perEpoch.length,
        epochsPerSec: epochs / seconds,
        rowsPerSec: (epochs * rowsPerEpoch) / seconds,
        firstEpochMs: median(perEpoch.map((t) => t[0]!)),
        lastEpochMs: median(perEpoch.map((t) => t.at(-1)!)),
        journal: `${journal}, synchronous ${String(store.db.pragma('synchronous', { simple: true }))} (1 = NORMAL)`,
      }
      writeRun(store, 'report', spec, 30)
      const run = store.getRun('report')!
      const detail = { ...run, costsBefore: run.archBefore ? countCosts(run.archBefore) : null, costsAfter: run.archAfter ? countCosts(run.archAfter) : null }
      const cpu = os.cpus()
      const input = {
        title: 'Spline Lab bench report',
        details: [detail],
        env: {
          app: 'Spline Lab (bench)',
          exportedAt: new Date().toISOString(),
          node: process.version,
          platform: `${process.platform} ${process.arch}`,
          cpus: `${cpu.length} × ${cpu[0]?.model ?? '?'}`,
        },
      }
      const render = (): { ms: number; html: string } => {
        const t = performance.now()
        const html = buildHtmlReport(input)
        return { ms: performance.now() - t, html }
      }
      const cold = render()
      const warm = [render(), render(), render()].map((r) => r.ms)
      let pdfMs: number | null = null
      let pdfNote: string | null = options.pdf ? null : 'not asked for (--quick)'
      if (options.pdf && findChromium() === null) pdfNote = 'no Chromium found'
      else if (options.pdf) {
        const t = performance.now()
        try {
          await chromiumPdf(cold.html)
          pdfMs = performance.now() - t
        } catch (err) {
          pdfNote = `PDF failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`
        }
      }
      return {
        sqlite,
        report: { epochs: 30, rowsPerEpoch, htmlBytes: Buffer.byteLength(cold.html), coldMs: cold.ms, warmMs: median(warm), pdfMs, pdfNote },
      }
    } finally {
      store.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
