/**
 * The runs table's logic, kept out of the component so it can be tested with thousands of rows:
 * columns, filtering, sorting, sweep grouping, the virtual window and range selection.
 */
import type { RunStatus, RunSummary } from '@contract'

export type SortKey =
  'name' | 'dataset' | 'model' | 'method' | 'ratio' | 'status' | 'ebEpoch' | 'testAccuracy' | 'macs' | 'trainFlops' | 'backend' | 'createdAt'

export interface SortState {
  key: SortKey
  dir: 'asc' | 'desc'
}

export interface RunFilter {
  /** words matched against name, dataset, model, method, criterion, backend, id, sweep id */
  text: string
  status: RunStatus | 'active' | ''
  /** a sweep id, '-' for runs outside any sweep, '' for all */
  sweep: string
}

export const EMPTY_FILTER: RunFilter = { text: '', status: '', sweep: '' }

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, queued: 1, finished: 2, interrupted: 3, cancelled: 4, failed: 5 }

function haystack(r: RunSummary): string {
  return [r.name, r.dataset, r.model, r.method, r.criterion ?? '', r.backend ?? '', r.id, r.sweepId ?? '', r.status].join(' ').toLowerCase()
}

export function filterRuns(runs: readonly RunSummary[], f: RunFilter): RunSummary[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean)
  return runs.filter((r) => {
    if (f.status === 'active' ? r.status !== 'running' && r.status !== 'queued' : f.status && r.status !== f.status) return false
    if (f.sweep === '-' ? r.sweepId !== null : f.sweep && r.sweepId !== f.sweep) return false
    if (!words.length) return true
    const h = haystack(r)
    return words.every((w) => h.includes(w))
  })
}

function value(r: RunSummary, key: SortKey): string | number | null {
  switch (key) {
    case 'status':
      return STATUS_ORDER[r.status]
    case 'ebEpoch':
      return r.ebEpoch ?? r.bnEbEpoch
    default:
      return r[key]
  }
}

/** Stable; missing values (null) always last, whatever the direction. */
export function sortRuns(runs: readonly RunSummary[], s: SortState): RunSummary[] {
  const sign = s.dir === 'asc' ? 1 : -1
  return runs
    .map((r, i) => ({ r, i, v: value(r, s.key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
      return c === 0 ? a.i - b.i : sign * c
    })
    .map((x) => x.r)
}

export type Row = { kind: 'run'; run: RunSummary } | { kind: 'sweep'; sweepId: string; count: number; finished: number; collapsed: boolean }

/**
 * Rows to draw: runs, or with grouping a header row per sweep followed by its runs (in the
 * current sort order) and then the runs outside any sweep. Collapsed sweeps show only the header.
 */
export function buildRows(runs: readonly RunSummary[], group: boolean, collapsed: ReadonlySet<string>): Row[] {
  if (!group) return runs.map((run) => ({ kind: 'run', run }))
  const sweeps = new Map<string, RunSummary[]>()
  const loose: RunSummary[] = []
  for (const r of runs) {
    if (r.sweepId) sweeps.set(r.sweepId, [...(sweeps.get(r.sweepId) ?? []), r])
    else loose.push(r)
  }
  const rows: Row[] = []
  for (const [sweepId, members] of sweeps) {
    const isCollapsed = collapsed.has(sweepId)
    rows.push({ kind: 'sweep', sweepId, count: members.length, finished: members.filter((m) => m.status === 'finished').length, collapsed: isCollapsed })
    if (!isCollapsed) for (const run of members) rows.push({ kind: 'run', run })
  }
  for (const run of loose) rows.push({ kind: 'run', run })
  return rows
}

/** Rows [start, end) to render for a scroll position, with `overscan` extra rows each side. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const shown = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + shown + overscan) }
}

/** Shift-click: every id between the anchor and the clicked row (inclusive), in row order. */
export function rangeIds(order: readonly string[], anchor: string | null, clicked: string): string[] {
  const a = anchor ? order.indexOf(anchor) : -1
  const b = order.indexOf(clicked)
  if (a < 0 || b < 0) return [clicked]
  const [lo, hi] = a < b ? [a, b] : [b, a]
  return order.slice(lo, hi + 1)
}

/** How recently a live run was heard from: events or the stored heartbeat. */
export type Liveness = 'live' | 'quiet' | 'stale' | null

export function liveness(run: Pick<RunSummary, 'status' | 'heartbeatAt'>, lastEventMs: number | undefined, now: number): Liveness {
  if (run.status !== 'running' && run.status !== 'queued') return null
  const beat = Math.max(lastEventMs ?? 0, run.heartbeatAt ? Date.parse(run.heartbeatAt) : 0)
  const age = now - beat
  return age < 15_000 ? 'live' : age < 60_000 ? 'quiet' : 'stale'
}
