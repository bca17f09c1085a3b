/**
 * Which view is on screen, mirrored in the URL hash (#/runs, #/run/<id>/partition, #/compare/a,b)
 * so Back/Forward work and a view can be bookmarked or reloaded. No router library: the views
 * and their route shapes are the list in lib/views.ts.
 */
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { useRunsStore } from './runs'
import { DEFAULT_RUN_TAB, HOME_VIEW, isRunTab, isView, viewDef, type RunTab, type View } from '@renderer/lib/views'

export type { RunTab, View } from '@renderer/lib/views'

export interface Route {
  view: View
  runId?: string
  tab?: RunTab
  /** compare: the runs; sweeps: the sweep */
  ids?: string[]
}

export function parseHash(hash: string): Route {
  const [view, a, b] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  if (!isView(view)) return { view: HOME_VIEW }
  switch (viewDef(view).route) {
    case 'run':
      return a ? { view, runId: a, tab: isRunTab(b) ? b : DEFAULT_RUN_TAB } : { view: HOME_VIEW }
    case 'ids':
      return { view, ids: a ? a.split(',').filter(Boolean) : [] }
    default:
      return { view }
  }
}

export function formatHash(r: Route): string {
  const enc = encodeURIComponent
  const shape = viewDef(r.view).route
  if (shape === 'run' && r.runId) return `#/${r.view}/${enc(r.runId)}${r.tab && r.tab !== DEFAULT_RUN_TAB ? `/${r.tab}` : ''}`
  if (shape === 'ids' && r.ids?.length) return `#/${r.view}/${r.ids.map(enc).join(',')}`
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

  const openRun = (runId: string, tab: RunTab = DEFAULT_RUN_TAB) => go({ view: 'run', runId, tab })

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
