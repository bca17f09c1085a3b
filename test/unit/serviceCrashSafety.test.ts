/**
 * The service's crash-safety rules with a fake trainer (no training): dead owners, the queue
 * position, a database that refuses writes, and choosing and rewinding to a checkpoint.
 */
import * as tf from '@tensorflow/tfjs'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunConfigSchema, type ApiEvent } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { SplineLabService } from '../../src-main/service/service'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { checkpointDir, writeCheckpoint, type CheckpointData } from '../../src-main/worker/checkpoint'
import { configHash } from '../../src-main/worker/jobCheckpoints'
import { FakeTrainer, doneMessage, epochMessage } from '../helpers/fakeTrainer'
import { tempDir } from '../helpers/tmp'

beforeAll(async () => {
  await tf.setBackend('cpu')
})
let cleanups: (() => void)[] = []
afterEach(() => {
  cleanups.forEach((c) => c())
  cleanups = []
})

function setup() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  const store = new RunStore(join(t.dir, 'spline-lab.db'))
  const trainer = new FakeTrainer()
  const service = new SplineLabService(store, trainer, { dataDir: t.dir })
  const events: ApiEvent[] = []
  service.onEvent((e) => events.push(e))
  cleanups.push(() => store.close())
  return { dir: t.dir, store, trainer, service, events }
}
const config = { dataset: 'builtin:xshape' as const, model: 'mlp' as const, hidden: [4], epochs: 6 }

describe('service crash safety', () => {
  it('marks a run whose owning process is gone interrupted at once, not after the heartbeat ages', () => {
    const { dir, store } = setup()
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid! // a pid that just exited
    const now = new Date().toISOString()
    store.createRun({ id: 'orphan', name: 'o', config: RunConfigSchema.parse(config), createdAt: now, owner: `${hostname()}:${dead}` })
    store.createRun({ id: 'elsewhere', name: 'e', config: RunConfigSchema.parse(config), createdAt: now, owner: `other-host:${dead}` })
    store.markStarted('orphan', now, 'cpu', ['fc1.bn'], { kind: 'grid2d', count: 1, bitsPerLayer: {} })
    const restarted = new SplineLabService(store, new FakeTrainer(), { dataDir: dir })
    expect(store.getSummary('orphan')!.status).toBe('interrupted')
    // Another machine's process cannot be checked: its fresh heartbeat keeps the run alive.
    expect(store.getSummary('elsewhere')!.status).toBe('queued')
    void restarted.close()
  })

  it('shows queued runs with their place in the queue, updated as the queue moves', async () => {
    const { trainer, service, events } = setup()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await service.call('runs.start', { config })).runId)
    const position = async (id: string) => (await service.call('runs.list', {})).find((r) => r.id === id)!.queuePosition
    expect([await position(ids[0]!), await position(ids[1]!), await position(ids[2]!)]).toEqual([undefined, 1, 2])
    expect((await service.call('runs.get', { runId: ids[2]! })).summary.queuePosition).toBe(2)
    trainer.emit(doneMessage(ids[0]!))
    expect(trainer.started.map((s) => s.runId)).toEqual([ids[0], ids[1]])
    const last = events.filter((e): e is Extract<ApiEvent, { type: 'run:status' }> => e.type === 'run:status' && e.runId === ids[2]).at(-1)!
    expect(last.summary.queuePosition).toBe(1)
  })

  it('stops the run and records why when the database refuses to save an epoch (disk full)', async () => {
    const { store, trainer, service, events } = setup()
    const { runId } = await service.call('runs.start', { config })
    trainer.emit(epochMessage(runId, 1))
    store.appendEpoch = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    }
    const errors: unknown[] = []
    const original = console.error
    console.error = (...a: unknown[]) => void errors.push(a)
    try {
      trainer.emit(epochMessage(runId, 2))
      trainer.emit(epochMessage(runId, 3)) // in flight before the cancel lands: ignored
    } finally {
      console.error = original
    }
    expect(trainer.cancelled).toEqual([runId])
    expect(events.filter((e) => e.type === 'run:epoch').length).toBe(1)
    trainer.emit(doneMessage(runId, 'cancelled'))
    const run = await service.call('runs.get', { runId })
    expect(run.summary.status).toBe('failed')
    expect(run.summary.error).toMatch(/could not write to the database .*: the disk is full \(SQLITE_FULL\); the run stopped/)
    expect(run.metrics.map((m) => m.epoch)).toEqual([1])
    expect(errors).toHaveLength(1)
  })

  it('resumes from the newest intact checkpoint, deleting later rows and files; refuses what cannot resume', async () => {
    const { dir, trainer, service } = setup()
    const { runId } = await service.call('runs.start', { config })
    const parsed = RunConfigSchema.parse(config)
    const net = new Network(buildSpec('mlp', [2], 2, { hidden: [4] }), 0)
    const codes = (e: number) => [{ bits: 8, words: new Uint32Array([e]), channels: 4 }]
    for (let e = 1; e <= 5; e++) {
      const data: CheckpointData = {
        epoch: e,
        phase: 'dense',
        phaseEpoch: e,
        spec: net.spec,
        weights: net.snapshot(),
        optimizer: { 'fc1.weight': { shape: [2, 4], values: new Float32Array(8) } },
        shuffle: { seed: parsed.seed, epochsDrawn: e },
        codes: { from: e, epochs: [codes(e)] },
        bnEb: null,
        splineEbEpoch: null,
        pruning: null,
        completedPhases: [],
        lastAccuracy: 0.5,
        elapsedSeconds: e,
        configHash: configHash(parsed),
      }
      // epoch 5's file is durable but its row never committed (killed in between)
      const { file } = writeCheckpoint(dir, runId, e, data)
      if (e < 5) trainer.emit(epochMessage(runId, e, file))
    }
    net.dispose()
    const folder = checkpointDir(dir, runId)
    writeFileSync(join(folder, 'epoch-000004.ckpt'), 'torn') // newest committed one damaged
    writeFileSync(join(folder, 'epoch-000005.ckpt.tmp-1'), 'half')
    await expect(service.call('runs.resume', { runId })).rejects.toThrow(/already queued|already running/)
    trainer.emit({ type: 'failed', runId, error: 'trainer stopped: killed' })
    const r = await service.call('runs.resume', { runId })
    expect(r).toMatchObject({ fromEpoch: 3, status: 'queued', note: expect.stringMatching(/skipped unusable checkpoints: .*epoch-000004/) })
    expect(r.note).toMatch(/momentum restarts/) // epoch 3's buffers were pruned when epoch 4 committed
    expect(trainer.started.at(-1)).toMatchObject({ runId, resume: { epoch: 3 }, dataDir: dir })
    const run = await service.call('runs.get', { runId })
    expect([run.metrics.map((m) => m.epoch), run.distances['fc1.bn']!.length, run.summary.epochsDone, run.summary.error]).toEqual([[1, 2, 3], 3, 3, null])
    expect(readdirSync(folder).sort()).toEqual(['epoch-000001.ckpt', 'epoch-000002.ckpt', 'epoch-000003.ckpt'])
    trainer.emit(doneMessage(runId))
    await expect(service.call('runs.resume', { runId })).rejects.toThrow(/already finished/)
    await expect(service.call('runs.resume', { runId: 'nope' })).rejects.toThrow(/no run 'nope'/)
    await expect(service.call('runs.resume', { runId: '../../etc' })).rejects.toThrow(/no run/)
  })
})
