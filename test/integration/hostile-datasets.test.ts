/**
 * The hostile-input corpus (test/helpers/hostileCorpus.ts, several hundred cases built here):
 * every case is imported in-process and must end as it says — refused with one line naming the
 * file and the problem (what `spline-lab import` exits 2 with), or imported — within 10 s, with
 * no stack trace, no temporary left, and the source folder byte-for-byte unchanged. A sample
 * (every bomb, every ninth case) goes through the real CLI process, whose exit code, one stderr
 * line, wall time (≤ 10 s; the 300 kB gzip bomb < 2 s) and peak RSS (≤ 1 GB) are measured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { importFolder } from '../../src-main/data/import/importFolder'
import { ImportError, oneLine } from '../../src-main/data/import/errors'
import { hostileCorpus, type HostileCase } from '../helpers/hostileCorpus'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-lab-corpus-')
const corpus = hostileCorpus()
const GB = 1024 ** 3

afterAll(() => tmp.cleanup())

/** every path below `root` with its type, mode, size and content hash (FIFOs are never opened) */
function contents(root: string): string {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name)
      const st = lstatSync(p)
      const what = st.isSymbolicLink()
        ? `link ${readlinkSync(p)}`
        : st.isDirectory()
          ? 'dir'
          : st.isFile()
            ? `file ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`
            : 'special'
      out.push(`${p} ${st.mode.toString(8)} ${st.mtimeMs} ${what}`)
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p)
    }
  }
  walk(root)
  return out.join('\n')
}

const folderOf = (c: HostileCase) => join(tmp.dir, 'cases', c.id)
const targetOf = (c: HostileCase) => join(folderOf(c), c.target ?? '')
const temporaries = (dir: string) => {
  try {
    return readdirSync(join(dir, 'datasets')).filter((f) => f.endsWith('.tmp'))
  } catch {
    return []
  }
}

/** the one line must start with the path of the file it blames */
const blamed = (c: HostileCase & { outcome: { refused: true } }) => {
  const base = oneLine(folderOf(c))
  return c.outcome.file === '' ? base : `${base}/${c.outcome.file}`
}

beforeAll(() => {
  for (const c of corpus) {
    mkdirSync(folderOf(c), { recursive: true })
    c.build(folderOf(c))
  }
}, 300_000)

describe('the hostile-input corpus', () => {
  it('has at least 300 cases over every format', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300)
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length)
    const formats = new Set(corpus.map((c) => c.format))
    for (const f of ['idx', 'idx-gz', 'cifar', 'npy', 'png', 'jpeg', 'csv', 'fs']) expect(formats).toContain(f)
    console.log(
      `hostile corpus: ${corpus.length} cases (${corpus.filter((c) => c.outcome.refused).length} refused, ${corpus.filter((c) => !c.outcome.refused).length} imported)`,
    )
  })

  it.each(corpus.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    // a data folder per case: folders of equal file sizes and times would share a cache key
    const dataDir = join(tmp.dir, 'app', c.id)
    const before = contents(folderOf(c))
    const started = performance.now()
    const result = await importFolder(targetOf(c), c.options ?? {}, { dataDir }).then(
      (ok) => ({ ok }),
      (err: unknown) => ({ err }),
    )
    const ms = performance.now() - started
    expect(ms).toBeLessThan(10_000)
    expect(contents(folderOf(c))).toBe(before)
    expect(temporaries(dataDir)).toEqual([])
    expect(process.memoryUsage().rss).toBeLessThan(GB)
    if (c.outcome.refused) {
      expect('err' in result, `imported, but should be refused: ${c.outcome.problem}`).toBe(true)
      const err = (result as { err: unknown }).err
      expect(err, String(err)).toBeInstanceOf(ImportError)
      const message = (err as Error).message
      expect(message.split('\n')).toHaveLength(1)
      expect(message).not.toMatch(/\s+at \S+ \(|node_modules|\.ts:\d+|internal error/)
      expect(message.length).toBeLessThan(1000)
      expect(message.startsWith(`${blamed(c as never)}: `), `${message} should name ${blamed(c as never)}`).toBe(true)
      expect(message).toMatch(c.outcome.problem)
    } else {
      expect('ok' in result, 'err' in result ? String((result as { err: unknown }).err) : '').toBe(true)
      const { info } = (result as { ok: Awaited<ReturnType<typeof importFolder>> }).ok
      if (c.outcome.examples !== undefined) expect(info.trainCount + info.testCount).toBe(c.outcome.examples)
      const warnings = info.warnings ?? []
      for (const w of warnings) expect(w.split('\n')).toHaveLength(1)
      if (c.outcome.warning) expect(warnings.join('\n')).toMatch(c.outcome.warning)
    }
  })
})

/** `spline-lab import` as a process: exit code, stderr, wall time and its peak RSS (from an exit hook) */
function cliImport(c: HostileCase, home: string): Promise<{ code: number | null; stderr: string; ms: number; maxRssBytes: number }> {
  const rssFile = join(home, 'rss')
  const hook = `data:text/javascript,${encodeURIComponent(
    "import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(process.env.SPLINE_RSS_FILE,String(process.resourceUsage().maxRSS*1024)))",
  )}`
  const args = [
    CLI,
    'import',
    targetOf(c),
    '--json',
    ...(c.options?.task ? ['--task', c.options.task] : []),
    ...(c.options?.labelColumn ? ['--label-column', c.options.labelColumn] : []),
  ]
  const started = performance.now()
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, SPLINE_LAB_HOME: home, SPLINE_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hook}`.trim() },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer)
      let maxRssBytes = NaN
      try {
        maxRssBytes = Number(readFileSync(rssFile, 'utf8'))
      } catch {
        // no exit hook ran: reported as NaN, and the test fails on it
      }
      resolve({ code, stderr, ms: performance.now() - started, maxRssBytes })
    }),
  )
}

const sample = corpus.filter((c, i) => /bomb/.test(c.id) || i % 9 === 0)
const measured: { id: string; ms: number; rss: number }[] = []
afterAll(() => {
  if (!measured.length) return
  const worst = (k: 'ms' | 'rss') => measured.reduce((a, b) => (b[k] > a[k] ? b : a))
  const bomb = measured.find((m) => m.id === 'idx-gz-bomb-300k')
  console.log(
    `CLI sample: ${measured.length} imports; slowest ${worst('ms').id} ${worst('ms').ms.toFixed(0)} ms; largest peak RSS ${worst('rss').id} ${(worst('rss').rss / 2 ** 20).toFixed(0)} MB` +
      (bomb ? `; 300 kB gzip bomb refused in ${bomb.ms.toFixed(0)} ms at ${(bomb.rss / 2 ** 20).toFixed(0)} MB` : ''),
  )
})

describe('a sample of the corpus through `spline-lab import`', () => {
  it.each(sample.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const home = join(tmp.dir, 'cli', c.id)
    mkdirSync(home, { recursive: true })
    const before = contents(folderOf(c))
    const { code, stderr, ms, maxRssBytes } = await cliImport(c, home)
    measured.push({ id: c.id, ms, rss: maxRssBytes })
    expect(ms).toBeLessThan(c.id === 'idx-gz-bomb-300k' ? 2000 : 10_000)
    expect(maxRssBytes).toBeLessThan(GB)
    expect(contents(folderOf(c))).toBe(before)
    expect(temporaries(home)).toEqual([])
    if (c.outcome.refused) {
      expect(code).toBe(2)
      const line = stderr.replace(/\r?[^\n]*\r/g, '').trim()
      expect(line.split('\n')).toHaveLength(1)
      expect(line.startsWith(`spline-lab: ${blamed(c as never)}: `), line).toBe(true)
      expect(line).toMatch(c.outcome.problem)
      expect(line).not.toMatch(/\s+at \S+ \(|internal error/)
    } else {
      expect(code, stderr).toBe(0)
    }
    rmSync(home, { recursive: true, force: true })
  })
})
