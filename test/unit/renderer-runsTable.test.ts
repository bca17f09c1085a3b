/**
 * The runs table's logic on 1,000 synthetic runs: filtering, sorting (missing values last),
 * sweep grouping, the virtual window, shift-click ranges and liveness.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunSummary } from '../../src-main/contract/api'

// Computed path: tsconfig.node.json does not include src-renderer/ (TS6307 on a static import);
// the functions' shapes are restated instead.
type Filter = { text: string; status: string; sweep: string }
interface Mod {
  filterRuns(runs: RunSummary[], f: Filter): RunSummary[]
  sortRuns(runs: RunSummary[], s: { key: string; dir: 'asc' | 'desc' }): RunSummary[]
  buildRows(runs: RunSummary[], group: boolean, collapsed: Set<string>): { kind: string }[]
  visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number): { start: number; end: number }
  rangeIds(order: string[], anchor: string | null, clicked: string): string[]
  liveness(run: { status: string; heartbeatAt: string | null }, lastEventMs: number | undefined, now: number): string | null
}
let t: Mod

beforeAll(async () => {
  const path = '../../src-renderer/src/lib/runsTable'
  t = (await import(/* @vite-ignore */ path)) as Mod
})

const METHODS = ['dense', 'spline-eb', 'eb-bn', 'prune-after', 'prune-at-init']
function synthetic(n: number): RunSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    name: `run ${i} ${METHODS[i % 5]}`,
    status: i % 10 === 0 ? 'failed' : i % 7 === 0 ? 'running' : 'finished',
    dataset: i % 2 ? 'builtin:xshape' : 'builtin:fashion-mini',
    model: i % 2 ? 'mlp' : 'cnn',
    method: METHODS[i % 5]!,
    epochs: 30,
    epochsDone: 30,
    backend: 'wasm',
    testAccuracy: i % 10 === 0 ? null : (i % 97) / 100,
    ebEpoch: i % 3 ? i % 9 : null,
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    wallSeconds: 1,
    error: null,
    criterion: i % 5 ? 'spline' : null,
    ratio: i % 5 ? 0.5 : null,
    params: i,
    macs: i * 10,
    flops: i * 20,
    trainFlops: i * 1e6,
    bnEbEpoch: null,
    sweepId: i < 100 ? `s${Math.floor(i / 50)}` : null,
  })) as RunSummary[]
}

describe('runs table logic', () => {
  const runs = synthetic(1000)

  it('filters by words, status and sweep, fast', () => {
    const start = performance.now()
    expect(t.filterRuns(runs, { text: 'prune-after', status: '', sweep: '' })).toHaveLength(200)
    expect(t.filterRuns(runs, { text: 'cnn prune-after', status: '', sweep: '' })).toHaveLength(100)
    expect(t.filterRuns(runs, { text: '', status: 'failed', sweep: '' })).toHaveLength(100)
    expect(t.filterRuns(runs, { text: '', status: 'active', sweep: '' }).every((r) => r.status === 'running')).toBe(true)
    expect(t.filterRuns(runs, { text: '', status: '', sweep: 's1' })).toHaveLength(50)
    expect(t.filterRuns(runs, { text: '', status: '', sweep: '-' })).toHaveLength(900)
    expect(performance.now() - start).toBeLessThan(100)
  })

  it('sorts either way with missing values last, stably', () => {
    const desc = t.sortRuns(runs, { key: 'testAccuracy', dir: 'desc' })
    const asc = t.sortRuns(runs, { key: 'testAccuracy', dir: 'asc' })
    for (const sorted of [desc, asc]) expect(sorted.slice(-100).every((r) => r.testAccuracy === null)).toBe(true)
    expect(desc[0]!.testAccuracy).toBe(0.96)
    expect(asc[0]!.testAccuracy).toBe(0)
    const byName = t.sortRuns(runs, { key: 'name', dir: 'asc' })
    expect(byName[0]!.name).toBe('run 0 dense')
    expect(byName[1]!.name).toBe('run 1 spline-eb') // numeric-aware
    const byStatus = t.sortRuns(runs, { key: 'status', dir: 'asc' })
    expect(byStatus[0]!.status).toBe('running')
  })

  it('groups runs under their sweep, collapsible', () => {
    const rows = t.buildRows(runs, true, new Set(['s0']))
    expect(rows[0]).toMatchObject({ kind: 'sweep', sweepId: 's0', count: 50, collapsed: true })
    expect(rows[1]).toMatchObject({ kind: 'sweep', sweepId: 's1', collapsed: false })
    expect(rows).toHaveLength(2 + 50 + 900)
    expect(t.buildRows(runs, false, new Set())).toHaveLength(1000)
  })

  it('renders only the rows in view plus a margin', () => {
    expect(t.visibleRange(0, 600, 34, 1000)).toEqual({ start: 0, end: 27 })
    const mid = t.visibleRange(34 * 500, 600, 34, 1000)
    expect(mid.start).toBe(492)
    expect(mid.end - mid.start).toBeLessThan(40)
    expect(t.visibleRange(34 * 1000, 600, 34, 1000).end).toBe(1000)
  })

  it('selects ranges between the anchor and the clicked row', () => {
    const order = ['a', 'b', 'c', 'd', 'e']
    expect(t.rangeIds(order, 'b', 'd')).toEqual(['b', 'c', 'd'])
    expect(t.rangeIds(order, 'd', 'b')).toEqual(['b', 'c', 'd'])
    expect(t.rangeIds(order, null, 'c')).toEqual(['c'])
  })

  it('tells live, quiet and stale runs apart', () => {
    const now = Date.parse('2026-01-01T00:10:00Z')
    const run = { status: 'running' as const, heartbeatAt: '2026-01-01T00:09:50Z' }
    expect(t.liveness(run, undefined, now)).toBe('live')
    expect(t.liveness({ ...run, heartbeatAt: '2026-01-01T00:09:30Z' }, undefined, now)).toBe('quiet')
    expect(t.liveness({ ...run, heartbeatAt: '2026-01-01T00:05:00Z' }, undefined, now)).toBe('stale')
    expect(t.liveness({ ...run, heartbeatAt: '2026-01-01T00:05:00Z' }, now - 1000, now)).toBe('live')
    expect(t.liveness({ status: 'finished', heartbeatAt: null }, undefined, now)).toBeNull()
  })
})
