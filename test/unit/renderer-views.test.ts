/**
 * The views registry (src-renderer/src/lib/views.ts) is the one list of views, their routes,
 * header links, titles and the run view's tabs: every route round-trips through the URL hash,
 * the header links and App.vue's component map cover the list.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from '../helpers/tmp'

// Computed paths: tsconfig.node.json (which typechecks test/) does not include src-renderer/.
interface ViewDef {
  id: string
  route: 'plain' | 'run' | 'ids'
  title: string
  nav?: { label: string; testid: string }
  under?: string
}
type Route = { view: string; runId?: string; tab?: string; ids?: string[] }
let VIEWS: readonly ViewDef[]
let RUN_TABS: readonly { id: string; label: string }[]
let windowTitle: (view: string, runName?: string | null) => string
let parseHash: (hash: string) => Route
let formatHash: (r: Route) => string

beforeAll(async () => {
  const views = '../../src-renderer/src/lib/views'
  const nav = '../../src-renderer/src/stores/nav'
  ;({ VIEWS, RUN_TABS, windowTitle } = await import(/* @vite-ignore */ views))
  ;({ parseHash, formatHash } = await import(/* @vite-ignore */ nav))
})

describe('views registry', () => {
  it('round-trips every view’s route through the URL hash', () => {
    const routes: Route[] = VIEWS.flatMap((v): Route[] =>
      v.route === 'run'
        ? RUN_TABS.map((t) => ({ view: v.id, runId: 'r 1', tab: t.id }))
        : v.route === 'ids'
          ? [
              { view: v.id, ids: [] },
              { view: v.id, ids: ['a', 'b/c'] },
            ]
          : [{ view: v.id }],
    )
    for (const r of routes) expect(parseHash(formatHash(r))).toEqual(r)
    expect(formatHash({ view: 'run', runId: 'x', tab: 'training' })).toBe('#/run/x')
    expect(formatHash({ view: 'compare', ids: ['a', 'b'] })).toBe('#/compare/a,b')
    expect(parseHash('#/nowhere')).toEqual({ view: 'runs' })
    expect(parseHash('#/run')).toEqual({ view: 'runs' })
    expect(parseHash('#/run/x/bogus')).toEqual({ view: 'run', runId: 'x', tab: 'training' })
  })

  it('gives every view a header link or a view whose link it lights, a title, and a component in App.vue', () => {
    const ids = VIEWS.map((v) => v.id)
    expect(new Set(ids).size).toBe(ids.length)
    const app = readFileSync(join(REPO, 'src-renderer/src/App.vue'), 'utf8')
    for (const v of VIEWS) {
      expect(v.nav ?? VIEWS.find((u) => u.id === v.under)?.nav, v.id).toBeDefined()
      expect(app, v.id).toMatch(new RegExp(`\\n\\s+${v.id}: \\w+,`))
    }
    expect(VIEWS.filter((v) => v.nav).map((v) => v.nav!.testid)).toEqual(['nav-runs', 'new-run', 'nav-flops', 'nav-sweeps', 'nav-compare'])
    expect(windowTitle('flops')).toBe('FLOPs vs accuracy · Spline Lab')
    expect(windowTitle('run', 'my run')).toBe('my run · Spline Lab')
    expect(windowTitle('run', null)).toBe('Spline Lab')
  })
})
