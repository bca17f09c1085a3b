/**
 * Every criterion implementation, collected from criteria/<id>.ts (no hand-kept list: a new file
 * is picked up by the build). Each file exports `criterion`, whose id must be its file name and
 * one of contract/criteria.ts's; a test checks both sides name the same criteria.
 */
/// <reference types="vite/types/importMeta.d.ts" />
import type { Criterion, CriterionId } from './types'

const modules = import.meta.glob<Criterion>('./criteria/*.ts', { eager: true, import: 'criterion' })

export const CRITERION_IMPLS: ReadonlyMap<CriterionId, Criterion> = collect(modules)

function collect(found: Record<string, Criterion>): Map<CriterionId, Criterion> {
  const out = new Map<CriterionId, Criterion>()
  for (const [path, c] of Object.entries(found)) {
    const file = path.replace(/^.*\//, '').replace(/\.ts$/, '')
    if (!c || c.id !== file) throw new Error(`${path} must export \`criterion\` with id '${file}'`)
    out.set(c.id, c)
  }
  return out
}

export function criterionImpl(id: CriterionId): Criterion {
  const c = CRITERION_IMPLS.get(id)
  if (!c) throw new Error(`unknown criterion '${id}'`)
  return c
}
