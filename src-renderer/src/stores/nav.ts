/**
 * Which view is on screen, mirrored in the URL hash (#/runs, #/run/<id>/partition, #/compare/a,b)
 * so Back/Forward work and a view can be bookmarked or reloaded. No router library: six views.
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { useRunsStore } from './runs'

export type View = 'runs' | 'new' | 'run' | 'flops' | 'sweeps' | 'compare'
export type RunTab = 'training' | 'architecture' | 'partition'

export interface Route {
  view: View
  runId?: string
  tab?: RunTab
  /** compare: the runs; sweeps: the sweep */
  ids?: string[]
}

const VIEWS: View[] = ['runs', 'new', 'run', 'flops', 'sweeps', 'compare']
const TABS: RunTab[] = ['training', 'architecture', 'partition']

export function parseHash(hash: string): Route {
  const [view, a, b] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  if (!view || !VIEWS.includes(view as View)) return { view: 'runs' }
  if (view === 'run') return a ? { view, runId: a, tab: TABS.includes(b as RunTab) ? (b as RunTab) : 'training' } : { view: 'runs' }
  if (view === 'compare' || view === 'sweeps') return { view, ids: a ? a.split(',').filter(Boolean) : [] }
  return { view: view as View }
}

export function formatHash(r: Route): string {
  const enc = encodeURIComponent
  if (r.view === 'run' && r.runId) return `#/run/${enc(r.runId)}${r.tab && r.tab !== 'training' ? `/${r.tab}` : ''}`
  if ((r.view === 'compare' || r.view === 'sweeps') && r.ids?.length) return `#/${r.view}/${r.ids.map(enc).join(',')}`
  return `#/${r.view}`
}

export const useNavStore = defineStore('nav', () => {
  const runs = useRunsStore()
  const route = ref<Route>(parseHash(location.hash))

  function go(next: Route): void {
    route.value = next
    const hash = formatHash(next)
    if (location.hash !== hash) history.pushState(null, '', hash)
  }

  const openRun = (runId: string, tab: RunTab = 'training') => go({ view: 'run', runId, tab })

  window.addEventListener('popstate', () => (route.value = parseHash(location.hash)))

  // The live-run store follows the runs store's selection; keep that one source of truth.
  watch(
    () => (route.value.view === 'run' ? (route.value.runId ?? null) : null),
    (id) => runs.select(id),
    { immediate: true },
  )
  // Starting a run selects it in the runs store: show it.
  watch(
    () => runs.selectedRunId,
    (id) => {
      if (id && (route.value.view !== 'run' || route.value.runId !== id)) openRun(id)
    },
  )

  return { route, go, openRun }
})
