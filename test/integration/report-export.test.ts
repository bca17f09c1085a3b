/**
 * A real pruned run through the real service and trainer worker, then everything the desk reads
 * from it: partitions of checkpointed epochs (before, at and after pruning) and every export
 * format — the exported TF.js model must reproduce the run's own test accuracy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { ExportResult, RunDetail } from '../../src-main/contract/api'
import { loadDataset } from '../../src-main/data/datasets'
import { findChromium } from '../../src-main/report/pdf'
import { realService, waitForStatus } from '../helpers/service'
import { CLI, REPO, tempDir } from '../helpers/tmp'

const tmp = tempDir()
const shots = join(REPO, 'test-results')
let ctx: ReturnType<typeof realService>
let runId: string
let detail: RunDetail

beforeAll(async () => {
  await tf.setBackend('cpu')
  mkdirSync(shots, { recursive: true })
  ctx = realService(tmp.dir)
  const started = await ctx.service.call('runs.start', {
    config: { dataset: 'builtin:xshape', model: 'mlp', hidden: [12], method: 'spline-eb', ratio: 0.5, epochs: 8, ebCap: 0.5, seed: 3, name: 'export test' },
  })
  runId = started.runId
  expect(await waitForStatus(ctx.service, runId, ['finished', 'failed'])).toBe('finished')
  detail = await ctx.service.call('runs.get', { runId })
}, 180_000)

afterAll(async () => {
  await ctx?.service.close()
  tmp.cleanup()
})

const file = (r: ExportResult, suffix: string) => r.files.find((f) => f.name.endsWith(suffix))!

describe('partition of a real run', () => {
  it('computes unit boundaries before pruning, after surgery, and after retraining', async () => {
    const at = detail.pruning!.atEpoch
    const dense = await ctx.service.call('runs.partition', { runId, epoch: at, grid: 32 })
    expect(dense.pruned).toBe(false)
    expect(dense.layers[0]!.units).toBe(12)
    expect(dense.layers[0]!.contours.flat().length).toBeGreaterThan(0)
    const surgery = await ctx.service.call('runs.partition', { runId, epoch: at, grid: 32, pruned: true })
    expect(surgery.pruned).toBe(true)
    expect(surgery.layers[0]!.units).toBe(6)
    const init = await ctx.service.call('runs.partition', { runId, epoch: 0, grid: 16 })
    expect(init.layers[0]!.units).toBe(12)
    const last = await ctx.service.call('runs.partition', { runId, epoch: detail.summary.epochsDone, grid: 32 })
    expect(last.layers[0]!.units).toBe(6)
    expect(last.decision.labels).toHaveLength(32 * 32)
    await expect(ctx.service.call('runs.partition', { runId, epoch: 99 })).rejects.toThrow(/epoch must be from 0 to 8/)
    await expect(ctx.service.call('runs.partition', { runId, epoch: at + 1, pruned: true })).rejects.toThrow(/after pruning/)
  })
})

describe('export', () => {
  it('writes a self-contained HTML report with SVG charts, tables, environment and the command to reproduce', async () => {
    const r = await ctx.service.call('runs.export', { ids: [runId], format: 'html' })
    const html = file(r, '.html').content
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<script|src="http|href="http/)
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4)
    expect(html).toContain('export test')
    expect(html).toContain('spline-lab run --dataset builtin:xshape --model mlp --hidden 12')
    expect(html).toContain('Environment')
    expect(html).toContain('fc1') // architecture table
    writeFileSync(join(shots, 'report-run.html'), html)
  })

  it('exports CSV and JSON of every metric', async () => {
    const csv = await ctx.service.call('runs.export', { ids: [runId], format: 'csv' })
    expect(csv.files.map((f) => f.name.replace(/^.*-(\w+)\.csv$/, '$1'))).toEqual(['runs', 'metrics', 'distances', 'layers'])
    const metrics = file(csv, '-metrics.csv').content.trim().split('\n')
    expect(metrics).toHaveLength(1 + detail.metrics.length)
    expect(metrics[0]).toContain('bn_eb_max_distance')
    const json = await ctx.service.call('runs.export', { ids: [runId], format: 'json' })
    const parsed = JSON.parse(file(json, '.json').content) as { runs: RunDetail[]; environment: { node: string } }
    expect(parsed.runs[0]!.metrics).toHaveLength(detail.metrics.length)
    expect(parsed.environment.node).toBe(process.version)
  })

  it('exports the pruned model in TF.js layers format that reproduces the run’s test accuracy', async () => {
    const outDir = join(tmp.dir, 'model')
    const r = await ctx.service.call('runs.export', { ids: [runId], format: 'model', outDir })
    expect(r.writtenTo).toHaveLength(2)
    const json = JSON.parse(
      readFileSync(
        r.writtenTo.find((p) => p.endsWith('.json'))!,
        'utf8',
      ),
    )
    const bin = readFileSync(join(outDir, json.weightsManifest[0].paths[0]))
    const model = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    })
    const data = loadDataset('builtin:xshape', detail.config.seed)
    const logits = model.predict(tf.tensor2d(data.xTest, [data.yTest.length, 2])) as tf.Tensor2D
    const predicted = Array.from(logits.argMax(1).dataSync())
    const correct = predicted.filter((p, i) => p === data.yTest[i]).length
    expect(correct / data.yTest.length).toBeCloseTo(detail.summary.testAccuracy!, 3)
    expect(json.userDefinedMetadata.pruned).toBe(true)
  })

  it('prints a PDF with headless Chromium', async (t) => {
    if (!findChromium()) t.skip()
    const r = await ctx.service.call('runs.export', { ids: [runId], format: 'pdf' })
    const pdf = Buffer.from(file(r, '.pdf').content, 'base64')
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    writeFileSync(join(shots, 'report-run.pdf'), pdf)
  })

  it('is a CLI command too', () => {
    const out = join(tmp.dir, 'cli-report.html')
    const res = spawnSync(process.execPath, [CLI, 'export', runId, '--format', 'html', '--out', out, '--db', join(tmp.dir, 'spline-lab.db')], {
      encoding: 'utf8',
      env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
    })
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    expect(res.stdout.trim()).toBe(out)
    expect(existsSync(out)).toBe(true)
    copyFileSync(out, join(tmp.dir, 'copy.html'))
    const bad = spawnSync(process.execPath, [CLI, 'export', 'nope', '--format', 'html', '--out', out, '--db', join(tmp.dir, 'spline-lab.db')], {
      encoding: 'utf8',
      env: { ...process.env, SPLINE_LAB_HOME: tmp.dir },
    })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/no run or sweep 'nope'/)
  })
})
