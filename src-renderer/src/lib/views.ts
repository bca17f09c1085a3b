/**
 * Every view of the app, once: its id (the first part of the URL hash), what else its route
 * carries, its link in the header, its heading and window title; and the tabs of the run view.
 * The router (stores/nav.ts), the header (AppHeader.vue), App.vue (which view component shows;
 * its map is typed by View, so a view without a component does not compile) and the views'
 * headings all read this list.
 */

export type RouteShape =
  /** #/flops */
  | 'plain'
  /** #/run/<id>[/<tab>] */
  | 'run'
  /** #/compare/a,b — #/sweeps/<id> */
  | 'ids'

export interface ViewDef {
  id: string
  route: RouteShape
  /** the view's heading and the window title ('' for the run view: the run's name is both) */
  title: string
  /** its header link; views without one mark the link of `under` as current */
  nav?: { label: string; testid: string }
  under?: string
  /** the header link keeps the ids already shown (compare: the ticked runs stay) */
  keepIds?: boolean
  /** fills the main area and scrolls inside itself (the virtualised runs table) */
  fill?: boolean
}

export const VIEWS = [
  { id: 'runs', route: 'plain', title: 'Runs', nav: { label: 'Runs', testid: 'nav-runs' }, fill: true },
  { id: 'new', route: 'plain', title: 'New run', nav: { label: 'New run', testid: 'new-run' } },
  { id: 'run', route: 'run', title: '', under: 'runs' },
  { id: 'flops', route: 'plain', title: 'FLOPs vs accuracy', nav: { label: 'FLOPs vs accuracy', testid: 'nav-flops' } },
  { id: 'sweeps', route: 'ids', title: 'Sweeps and ablations', nav: { label: 'Sweeps', testid: 'nav-sweeps' } },
  { id: 'compare', route: 'ids', title: 'Compare runs', nav: { label: 'Compare', testid: 'nav-compare' }, keepIds: true },
] as const satisfies readonly ViewDef[]

export type View = (typeof VIEWS)[number]['id']

/** The view opened for an empty or unknown hash. */
export const HOME_VIEW: View = 'runs'

export const RUN_TABS = [
  { id: 'training', label: 'Training' },
  { id: 'architecture', label: 'Architecture' },
  { id: 'partition', label: 'Partition' },
] as const

export type RunTab = (typeof RUN_TABS)[number]['id']
export const DEFAULT_RUN_TAB: RunTab = 'training'

export function viewDef(id: View): ViewDef {
  return VIEWS.find((v) => v.id === id)!
}

export function isView(id: string | undefined): id is View {
  return VIEWS.some((v) => v.id === id)
}

export function isRunTab(id: string | undefined): id is RunTab {
  return RUN_TABS.some((t) => t.id === id)
}

/** The window title of a view ('Spline Lab' alone on the run view until its name is known). */
export function windowTitle(id: View, runName?: string | null): string {
  const title = viewDef(id).title || runName
  return title ? `${title} · Spline Lab` : 'Spline Lab'
}
