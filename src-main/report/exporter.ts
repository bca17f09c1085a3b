/**
 * `runs.export`: a run, a selection or a sweep as an HTML report, a PDF of it, Markdown tables of
 * the comparison (paired intervals), CSV and JSON of every metric, or the trained (pruned) model
 * in TF.js layers format. Returns the files' content
 * for the UI to download, or writes them into `outDir` (desktop and CLI).
 */
import { cpus } from 'node:os'
import { isAbsolute } from 'node:path'
import { ApiError, type ExportFile, type ExportResult, type ParsedParams, type RunDetail, type RunSummary } from '../contract/api'
import type { ArchSpec } from '../contract/arch'
import { distancesCsv, layersCsv, metricsCsv, runsCsv } from './csv'
import { buildHtmlReport, type Environment } from './html'
import { buildMarkdownReport } from './markdown'
import type { PdfRenderer } from './pdf'
import { toTfjsLayersModel, type Weights } from './tfjsModel'
import { namesOthers, writeFilesAtomic } from './atomicFiles'

export interface ExportContext {
  listRuns(): RunSummary[]
  /** with costs (what runs.get returns) */
  getRun(runId: string): RunDetail
  app: string
  transport?: string
  backend?: Environment['backend']
  dataDir?: string
  /** the newest checkpoint of a run (worker/checkpoint.ts `readCheckpoint`) */
  readCheckpoint?: (dataDir: string, runId: string) => { epoch: number; spec: ArchSpec; weights: Weights }
  renderPdf?: PdfRenderer
}

const MIME = { md: 'text/markdown', html: 'text/html', pdf: 'application/pdf', csv: 'text/csv', json: 'application/json', bin: 'application/octet-stream' }

export async function exportRuns(ctx: ExportContext, req: ParsedParams<'runs.export'>): Promise<ExportResult> {
  if (req.outDir !== undefined) {
    // A browser downloads what it gets; writing anywhere on the server's disk is for the desktop app and the CLI.
    if (ctx.transport === 'browser') throw new ApiError('bad-request', 'outDir is not available in browser mode: the files are returned for download')
    if (!isAbsolute(req.outDir)) throw new ApiError('bad-request', `outDir must be an absolute path, got '${req.outDir}'`)
  }
  const { runs, title, base } = resolve(ctx.listRuns(), req.ids)
  // the markdown tables read the summaries alone (they carry the configs)
  const details = req.format === 'md' ? [] : runs.map((r) => ctx.getRun(r.id))
  const notes: string[] = []
  const files: ExportFile[] = []
  const text = (name: string, mime: string, content: string) => files.push({ name, mime, encoding: 'utf8', content, bytes: Buffer.byteLength(content) })
  const binary = (name: string, mime: string, data: Uint8Array) =>
    files.push({
      name,
      mime,
      encoding: 'base64',
      content: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      bytes: data.byteLength,
    })

  switch (req.format) {
    case 'html':
      text(`${base}.html`, MIME.html, html(ctx, title, details))
      break
    case 'pdf': {
      const render = ctx.renderPdf
      if (!render) throw new ApiError('internal', 'PDF export is not available here; export HTML and print it')
      binary(`${base}.pdf`, MIME.pdf, await render(html(ctx, title, details)))
      break
    }
    case 'md':
      text(`${base}.md`, MIME.md, buildMarkdownReport(title, runs, new Date().toISOString()))
      break
    case 'csv':
      text(`${base}-runs.csv`, MIME.csv, runsCsv(details))
      text(`${base}-metrics.csv`, MIME.csv, metricsCsv(details))
      text(`${base}-distances.csv`, MIME.csv, distancesCsv(details))
      text(`${base}-layers.csv`, MIME.csv, layersCsv(details))
      break
    case 'json':
      text(`${base}.json`, MIME.json, JSON.stringify({ format: 'spline-lab-export', version: 1, title, environment: environment(ctx), runs: details }, null, 1))
      break
    case 'model':
      for (const d of details) {
        const model = modelFiles(ctx, d, details.length === 1 ? base : `${base}-${slug(d.summary.name)}-${d.summary.id}`, notes)
        if (!model) continue
        text(model.json.name, MIME.json, model.json.content)
        binary(model.bin.name, MIME.bin, model.bin.data)
      }
      if (!files.length) throw new ApiError('not-found', notes.join('; ') || 'nothing to export')
      break
  }

  let writtenTo: string[] = []
  if (req.outDir) {
    // whole or not at all: temporaries, fsync, rename (atomicFiles.ts)
    writtenTo = writeFilesAtomic(
      req.outDir,
      files.map((f) => ({ name: f.name, data: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') })),
      namesOthers,
    )
    for (const f of files) f.content = ''
  }
  return { files, writtenTo, notes }
}

function html(ctx: ExportContext, title: string, details: RunDetail[]): string {
  return buildHtmlReport({ title, details, env: environment(ctx) })
}

function environment(ctx: ExportContext): Environment {
  const cpu = cpus()
  return {
    app: ctx.app,
    exportedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpu.length ? `${cpu.length} × ${cpu[0]!.model.trim()}` : 'unknown',
    transport: ctx.transport,
    backend: ctx.backend ?? null,
  }
}

/** Run ids and sweep ids, in the order given, without repeats. */
export function resolve(all: RunSummary[], ids: string[]): { runs: RunSummary[]; title: string; base: string } {
  const byId = new Map(all.map((r) => [r.id, r]))
  const picked = new Map<string, RunSummary>()
  let sweeps = 0
  for (const id of ids) {
    const run = byId.get(id)
    if (run) {
      picked.set(run.id, run)
      continue
    }
    // The list is newest first; a sweep reads best in the order it was queued.
    const members = all.filter((r) => r.sweepId === id).reverse()
    if (!members.length) throw new ApiError('not-found', `no run or sweep '${id}'`)
    sweeps++
    for (const m of members) picked.set(m.id, m)
  }
  const runs = [...picked.values()]
  if (runs.length === 1 && sweeps === 0) return { runs, title: runs[0]!.name, base: `spline-lab-${slug(runs[0]!.name)}` }
  if (sweeps === 1 && ids.length === 1) return { runs, title: `Sweep ${ids[0]} (${runs.length} runs)`, base: `spline-lab-${slug(ids[0]!)}` }
  return { runs, title: `${runs.length} runs`, base: `spline-lab-${runs.length}-runs` }
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  )
}

function modelFiles(ctx: ExportContext, d: RunDetail, base: string, notes: string[]) {
  const id = d.summary.id
  if (!ctx.readCheckpoint || !ctx.dataDir) {
    notes.push(`run ${id}: no checkpoints are available in this process, so its weights cannot be exported`)
    return null
  }
  let ckpt
  try {
    ckpt = ctx.readCheckpoint(ctx.dataDir, id)
  } catch (err) {
    notes.push(`run ${id}: no checkpoint to export (${err instanceof Error ? err.message : String(err)})`)
    return null
  }
  const weightsFile = `${base}-weights.bin`
  const model = toTfjsLayersModel(
    ckpt.spec,
    ckpt.weights,
    {
      runId: id,
      runName: d.summary.name,
      epoch: ckpt.epoch,
      status: d.summary.status,
      pruned: d.archAfter !== null,
      dataset: d.config.dataset,
      model: d.config.model,
      inputs: 'as the trainer saw them: images standardised per channel with the training split mean/std',
    },
    weightsFile,
  )
  if (d.summary.status !== 'finished') notes.push(`run ${id} is ${d.summary.status}: exported the weights of its last checkpoint (epoch ${ckpt.epoch})`)
  return { json: { name: `${base}-model.json`, content: model.modelJson }, bin: { name: weightsFile, data: model.weightsBin } }
}
