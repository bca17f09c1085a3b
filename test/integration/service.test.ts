import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../src-main/contract/api'
import { createService } from '../../src-main/service/createService'
import { join } from 'node:path'
import { realService, waitForStatus } from '../helpers/service'
import { tempDir, WORKER_BUNDLE } from '../helpers/tmp'

const tmp = tempDir()
let ctx: ReturnType<typeof realService>

beforeAll(() => {
  ctx = realService(tmp.dir)
})
afterAll(async () => {
  await ctx.service.close()
  tmp.cleanup()
})

describe('service + trainer worker + store', () => {
  it('reports the backend it verified, with the attempts of the fallback chain', async () => {
    const info = await ctx.service.call('system.info', {})
    expect(['wasm', 'tensorflow']).toContain(info.backend)
    const gpu = info.attempts.find((a) => a.candidate === '@tensorflow/tfjs-node-gpu')!
    expect(gpu).toBeDefined()
    if (!gpu.ok) expect(gpu.reason).toBeTruthy()
    if (info.backend === 'wasm') expect(info.customKernels).toContain('Conv2DBackpropFilter')
  })

  it('trains the toy run end to end, persisting every epoch and the distance matrix', async () => {
    const { runId, status } = await ctx.service.call('runs.start', {
      config: { dataset: 'builtin:xshape', model: 'mlp', hidden: [20], epochs: 6, probeGrid: 16 },
    })
    expect(['queued', 'running']).toContain(status)
    expect(await waitForStatus(ctx.service, runId, ['finished', 'failed'])).toBe('finished')
    const epochEvents = ctx.events.filter((e): e is Extract<ApiEvent, { type: 'run:epoch' }> => e.type === 'run:epoch' && e.runId === runId)
    expect(epochEvents.map((e) => e.metrics.epoch)).toEqual([1, 2, 3, 4, 5, 6])
    const run = await ctx.service.call('runs.get', { runId })
    expect(run.summary).toMatchObject({ status: 'finished', epochsDone: 6 })
    expect(run.summary.testAccuracy).toBeGreaterThan(0.85)
    expect(run.layers).toEqual(['fc1.bn'])
    expect(run.probe).toMatchObject({ kind: 'grid2d', count: 256, bitsPerLayer: { 'fc1.bn': 20 * 256 } })
    expect(run.distances.mean!.map((r) => r.length)).toEqual([1, 2, 3, 4, 5, 6])
    expect(run.distances['fc1.bn']).toEqual(run.distances.mean) // one layer: the mean is that layer
    // the rows that went out live are the rows that were stored
    expect(epochEvents.map((e) => e.distanceRows['fc1.bn'])).toEqual(run.distances['fc1.bn'])
    expect(run.metrics.every((m) => m.seconds > 0 && Number.isFinite(m.trainLoss))).toBe(true)
  })

  it('runs spline-eb: draws the ticket, prunes with real surgery, retrains, and accounts training FLOPs', async () => {
    const base = { dataset: 'builtin:xshape' as const, model: 'mlp' as const, hidden: [24, 24], epochs: 10, probeGrid: 16 }
    const dense = await ctx.service.call('runs.start', { config: { ...base, method: 'dense' } })
    const eb = await ctx.service.call('runs.start', {
      config: { ...base, method: 'spline-eb', ratio: 0.5, scope: 'layerwise', eb: { window: 3, epsilon: 0.5 } },
    })
    expect(await waitForStatus(ctx.service, eb.runId, ['finished', 'failed'])).toBe('finished')
    const d = await ctx.service.call('runs.get', { runId: dense.runId })
    const r = await ctx.service.call('runs.get', { runId: eb.runId })
    expect(r.summary.ebEpoch).toBe(4) // ε = 0.5: the first possible epoch (W = 3)
    expect(r.pruning).toMatchObject({ criterion: 'spline', ratio: 0.5, scope: 'layerwise', atEpoch: 4, ebFallback: false })
    expect(r.pruning!.kept['fc1.bn']).toHaveLength(12)
    expect(r.archAfter!.layers.map((l) => (l as { units: number }).units)).toEqual([12, 12])
    expect(r.costsAfter!.params).toBe(r.summary.params)
    expect(r.summary.params!).toBeLessThan(d.summary.params!)
    expect(r.summary.trainFlops!).toBeLessThan(d.summary.trainFlops!)
    expect(r.metrics.map((m) => m.phase)).toEqual([...Array(4).fill('dense'), ...Array(6).fill('retrain')])
    expect(r.metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(r.bnEbTrace).toHaveLength(4) // the BN detector runs through the dense phase
    expect(r.summary.testAccuracy).toBeGreaterThan(0.8)
    // the defaults its plan resolved are stored with the run
    expect(r.resolved).toEqual({ criterion: 'spline', bnL1: 0, finetuneEpochs: null, capEpoch: 5, augment: 'none', budget: 'channels', targetMacs: null })
    expect(d.resolved).toMatchObject({ criterion: null, budget: null })
  })

  it('equal MACs: a sweep whose criteria all prune to the same MACs per ratio', async () => {
    const { sweepId, runIds } = await ctx.service.call('runs.sweep', {
      config: { dataset: 'builtin:xshape', model: 'mlp', hidden: [24, 16], epochs: 2, probeGrid: 8 },
      methods: ['prune-after'],
      criteria: ['l1', 'random', 'bn-slimming', 'grasp'],
      ratios: [0.3, 0.6],
      seeds: 1,
      equalMacs: 'layerwise',
    })
    for (const id of runIds) expect(await waitForStatus(ctx.service, id, ['finished', 'failed'])).toBe('finished')
    const runs = (await ctx.service.call('runs.list', {})).filter((r) => r.sweepId === sweepId)
    for (const ratio of [0.3, 0.6]) expect(new Set(runs.filter((r) => r.ratio === ratio).map((r) => r.macs)).size).toBe(1)
    expect(runs.find((r) => r.criterion === 'bn-slimming')!.resolved).toMatchObject({ bnL1: 1e-4 })
  })

  it('queues a sweep as a grid of normal runs under one id', async () => {
    const { sweepId, runIds } = await ctx.service.call('runs.sweep', {
      config: { dataset: 'builtin:xshape', model: 'mlp', epochs: 2, probeGrid: 8 },
      methods: ['dense', 'prune-after'],
      ratios: [0.3, 0.6],
      seeds: 2,
    })
    expect(runIds).toHaveLength(2 * (1 + 2)) // per seed: one dense + two ratios
    for (const id of runIds) expect(await waitForStatus(ctx.service, id, ['finished', 'failed'])).toBe('finished')
    const runs = (await ctx.service.call('runs.list', {})).filter((r) => r.sweepId === sweepId)
    expect(runs.map((r) => r.ratio).sort()).toEqual([0.3, 0.3, 0.6, 0.6, null, null])
  })

  it('validates requests and names the bad field', async () => {
    await expect(ctx.service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', epochs: -1 } })).rejects.toThrow(/config\.epochs/)
    await expect(ctx.service.call('runs.start', { config: { dataset: 'builtin:nope', model: 'mlp' } as never })).rejects.toThrow(/config\.dataset/)
    await expect(ctx.service.call('runs.get', { runId: 'missing' })).rejects.toThrow(/no run 'missing'/)
    // refused before they are queued, naming the field: augmentation of 2-D data, a MACs target below one channel per layer
    const before = (await ctx.service.call('runs.list', {})).length
    await expect(ctx.service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', augment: 'crop-flip' } })).rejects.toThrow(
      "config.augment: crop-flip needs image data (H×W×C); dataset 'builtin:xshape' has [2] inputs",
    )
    await expect(ctx.service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', method: 'prune-after', targetMacs: 2 } })).rejects.toThrow(
      /^config\.targetMacs: 2 MACs is below the smallest mlp that keeps one channel per layer/,
    )
    await expect(
      ctx.service.call('runs.sweep', {
        config: { dataset: 'builtin:xshape', model: 'mlp', targetMacs: 2 },
        methods: ['dense', 'prune-after'],
        ratios: [0.5],
        seeds: 1,
      }),
    ).rejects.toThrow(/config\.targetMacs/)
    expect((await ctx.service.call('runs.list', {})).length).toBe(before)
    await expect(ctx.service.call('no.such' as never, {} as never)).rejects.toThrow(/unknown method/)
  })

  it('queues a second run behind the first, cancels within an epoch, and refuses to delete a live run', async () => {
    const long = await ctx.service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', epochs: 400 } })
    const queued = await ctx.service.call('runs.start', { config: { dataset: 'builtin:xshape', model: 'mlp', epochs: 2 } })
    expect(queued.status).toBe('queued')
    await waitForStatus(ctx.service, long.runId, ['running'])
    await expect(ctx.service.call('runs.delete', { runId: long.runId })).rejects.toThrow(/cancel it before deleting/)
    await new Promise((r) => setTimeout(r, 300))
    await ctx.service.call('runs.cancel', { runId: long.runId })
    expect(await waitForStatus(ctx.service, long.runId, ['cancelled', 'finished'])).toBe('cancelled')
    expect(await waitForStatus(ctx.service, queued.runId, ['finished', 'failed'])).toBe('finished')
    const cancelled = await ctx.service.call('runs.get', { runId: long.runId })
    expect(cancelled.summary.epochsDone).toBeLessThan(400)
    expect(cancelled.metrics).toHaveLength(cancelled.summary.epochsDone)
    expect((await ctx.service.call('runs.delete', { runId: long.runId })).deleted).toBe(true)
  })

  it('finds the finished runs again after a restart', async () => {
    const before = await ctx.service.call('runs.list', {})
    await ctx.service.close()
    const { service } = createService({ dbPath: join(tmp.dir, 'spline-lab.db'), workerPath: WORKER_BUNDLE })
    const after = await service.call('runs.list', {})
    expect(after.map((r) => [r.id, r.status])).toEqual(before.map((r) => [r.id, r.status]))
    ctx = { ...ctx, service }
  })
})
