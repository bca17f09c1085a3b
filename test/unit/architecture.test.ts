/**
 * The structure docs/ARCHITECTURE.md states holds: no import cycles anywhere in the product, and
 * the layer table the document prints is the one the lint enforces (eslint/layers.mjs).
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join, normalize } from 'node:path'
import { ALIASES, layersTable } from '../../eslint/layers.mjs'
import { layerOf, resolveImport } from '../../eslint/plugin.mjs'
import { ESLint } from 'eslint'
import { REPO } from '../helpers/tmp'

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g

function productFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src-main', 'src-renderer'], { cwd: REPO, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|vue|mjs)$/.test(f) && !f.endsWith('.d.ts') && existsSync(join(REPO, f)))
}

function resolveFile(path: string): string | null {
  for (const candidate of [path, `${path}.ts`, `${path}.vue`, `${path}/index.ts`])
    if (existsSync(join(REPO, candidate)) && /\.(ts|vue|mjs)$/.test(candidate)) return normalize(candidate)
  return null
}

export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const f of files) {
    const src = readFileSync(join(REPO, f), 'utf8')
    const deps: string[] = []
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!
      const target = resolveImport(f, spec)
      const file = target === null ? null : resolveFile(target)
      if (file) deps.push(file)
    }
    graph.set(f, deps)
  }
  return graph
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = []
      let w: string
      do {
        w = stack.pop()!
        on.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) visit(v)
  return out
}

describe('architecture', () => {
  const files = productFiles()
  const graph = importGraph(files)

  it('reads the product’s imports (aliases included)', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(graph.get('src-main/contract/api.ts')).toContain('src-main/contract/runConfig.ts')
    expect(Object.keys(ALIASES)).toContain('@contract')
    const renderer = [...graph.entries()].filter(([f]) => f.startsWith('src-renderer/'))
    expect(renderer.some(([, deps]) => deps.some((d) => d.startsWith('src-main/contract/')))).toBe(true)
  })

  it('finds a cycle when there is one', () => {
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']])
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([])
  })

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('contract imports nothing of ours', () => {
    const bad = [...graph.entries()]
      .filter(([f]) => layerOf(f)?.layer === 'contract')
      .flatMap(([f, deps]) => deps.filter((d) => layerOf(d)?.layer !== 'contract').map((d) => `${f} → ${d}`))
    expect(bad).toEqual([])
  })

  it('nothing in the product imports the bench or the tests', () => {
    const bad = [...graph.entries()].flatMap(([f, deps]) => deps.filter((d) => /^(bench|test)\//.test(d)).map((d) => `${f} → ${d}`))
    expect(bad).toEqual([])
  })

  it('docs/ARCHITECTURE.md prints the layer table the lint enforces', () => {
    const doc = readFileSync(join(REPO, 'docs', 'ARCHITECTURE.md'), 'utf8')
    const m = /<!-- layers:start[^>]*-->\n([\s\S]*?)\n<!-- layers:end -->/.exec(doc)
    expect(m, 'docs/ARCHITECTURE.md has no <!-- layers:start --> … <!-- layers:end --> block').not.toBeNull()
    expect(m![1]).toBe(layersTable())
  })

  it('the lint refuses an import against the layers, and a package a layer does not list', async () => {
    const eslint = new ESLint({ cwd: REPO })
    const lint = async (file: string, code: string) =>
      (await eslint.lintText(code, { filePath: join(REPO, file) }))[0]!.messages.filter((m) => m.ruleId === 'layers/boundaries').map((m) => m.message)
    expect(await lint('src-main/core/x.ts', "import { createService } from '../service/createService'\nexport const a = createService\n")).toEqual([
      expect.stringMatching(/^core may not import service/),
    ])
    expect(await lint('src-main/contract/x.ts', "import type { Network } from '../core/network'\nexport type A = Network\n")).toHaveLength(1)
    expect(await lint('src-main/core/x.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toEqual([
      expect.stringMatching(/may not use the package 'node:fs'/),
    ])
    expect(await lint('src-renderer/src/x.ts', "import { RunStore } from '../../src-main/store/runStore'\nexport const a = RunStore\n")).toHaveLength(1)
    expect(await lint('src-main/service/x.ts', "import { buildSpec } from '../core/models'\nexport const a = buildSpec\n")).toEqual([])
  })
})
