/**
 * Cancelling a queued sweep is linear: 1,000 queued runs cancelled the way the CLI's Ctrl-C does
 * (one runs.cancel per run, all at once) finish in well under a second, every run ends
 * cancelled, and the runs still waiting hear their new place in line once, not once per cancel.
 * Also: more than a hundred listeners (WebSocket clients) print no MaxListeners warning.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { ApiEvent } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { SplineLabService } from '../../src-main/service/service'
import { RunQueue } from '../../src-main/service/runQueue'
import { FakeTrainer } from '../helpers/fakeTrainer'
import { tempDir } from '../helpers/tmp'

let cleanups: (() => void)[] = []
afterEach(() => {
  cleanups.forEach((c) => c())
  cleanups = []
})

function setup() {
  const t = tempDir()
  const store = new RunStore(join(t.dir, 'spline-lab.db'))
  const service = new SplineLabService(store, new FakeTrainer(), { dataDir: t.dir })
  cleanups.push(() => {
    void service.close()
    store.close()
    t.cleanup()
  })
  return { store, service }
}

const config = { dataset: 'builtin:xshape' as const, model: 'mlp' as const, hidden: [4], epochs: 2 }

describe('cancelling a queued sweep', () => {
  it('cancels 1,000 queued runs in under a second, each run once', async () => {
    const { service } = setup()
    // 1 method × 10 ratios × 20 seeds × 5 criteria = 1,000 runs; the first trains, 999 wait
    const { runIds } = await service.call('runs.sweep', {
      config,
      methods: ['prune-after'],
      ratios: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
      seeds: 20,
      criteria: ['bn-slimming', 'l1', 'l2', 'random', 'grasp'],
    })
    expect(runIds).toHaveLength(1000)
    const events: ApiEvent[] = []
    service.onEvent((e) => events.push(e))
    const queued = runIds.slice(1)
    const started = performance.now()
    // as cancelOnSignal does: every call at once
    const replies = await Promise.all(queued.map((runId) => service.call('runs.cancel', { runId })))
    await new Promise((r) => setImmediate(r))
    const ms = performance.now() - started
    console.log(`cancelled ${queued.length} queued runs in ${ms.toFixed(0)} ms, ${events.length} events`)
    expect(ms).toBeLessThan(1000)
    expect(replies.every((r) => r.status === 'cancelled')).toBe(true)
    const list = await service.call('runs.list', {})
    expect(list.filter((r) => r.status === 'cancelled')).toHaveLength(999)
    expect(list.filter((r) => r.queuePosition !== undefined)).toEqual([])
    // one status event per cancelled run, not one per run still in line per cancel
    expect(events.length).toBeLessThan(2 * queued.length)
  })

  it('keeps every waiting run told its place when runs leave from the middle', async () => {
    const { service } = setup()
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push((await service.call('runs.start', { config: { ...config, seed: i } })).runId)
    const last = new Map<string, number | null | undefined>()
    service.onEvent((e) => {
      if (e.type === 'run:status') last.set(e.runId, e.summary.queuePosition)
    })
    await service.call('runs.cancel', { runId: ids[2]! })
    await service.call('runs.cancel', { runId: ids[4]! })
    await new Promise((r) => setImmediate(r))
    // ids[0] trains; the line is ids[1], ids[3], ids[5]
    expect([ids[1], ids[3], ids[5]].map((id) => last.get(id!))).toEqual([1, 2, 3])
    const positions = (await service.call('runs.list', {})).filter((r) => r.queuePosition).map((r) => [r.id, r.queuePosition])
    expect(Object.fromEntries(positions)).toEqual({ [ids[1]!]: 1, [ids[3]!]: 2, [ids[5]!]: 3 })
  })

  it('RunQueue places match a naive list under random pushes, shifts and removals', () => {
    const q = new RunQueue<{ runId: string }>()
    const naive: string[] = []
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    for (let step = 0; step < 5000; step++) {
      const op = rand(10)
      if (op < 5) {
        const id = `r${step}`
        q.push({ runId: id })
        naive.push(id)
      } else if (op < 7) {
        expect(q.shift()?.runId).toBe(naive.shift())
      } else if (naive.length) {
        const id = naive[rand(naive.length)]!
        q.remove(id)
        naive.splice(naive.indexOf(id), 1)
      }
      const probe = naive[rand(Math.max(1, naive.length))]
      if (probe) expect(q.position(probe)).toBe(naive.indexOf(probe) + 1)
      expect(q.size).toBe(naive.length)
    }
  })
})

describe('many listeners', () => {
  it('150 subscribers print no MaxListeners warning', async () => {
    const { service } = setup()
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      const offs = Array.from({ length: 150 }, () => service.onEvent(() => {}))
      await new Promise((r) => setImmediate(r))
      offs.forEach((off) => off())
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning')
  })
})
