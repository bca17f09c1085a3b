/**
 * The settings module is the one reader of environment variables: each setting reads and checks
 * its text, docs/settings.md prints exactly the registry, and no other product file reads
 * process.env.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { SETTINGS, setting, settingsTable } from '../../src-main/settings/settings'
import { REPO } from '../helpers/tmp'

describe('settings', () => {
  it('reads each variable from the given environment, with its default when unset or blank', () => {
    expect(setting('home', {})).toBe(join(homedir(), '.spline-lab'))
    expect(setting('home', { SPLINE_LAB_HOME: '' })).toBe(join(homedir(), '.spline-lab'))
    expect(setting('home', { SPLINE_LAB_HOME: '/data/lab' })).toBe('/data/lab')
    expect(setting('backend', {})).toBe('auto')
    expect(setting('backend', { SPLINE_LAB_BACKEND: 'wasm' })).toBe('wasm')
    expect(setting('gemmThreads', {})).toBeUndefined()
    expect(setting('gemmThreads', { SPLINE_LAB_GEMM_THREADS: '3' })).toBe(3)
    expect(setting('wasmThreads', { SPLINE_LAB_WASM_THREADS: 'x' })).toBeNaN()
    expect(setting('debug', {})).toBe(false)
    expect(setting('debug', { SPLINE_LAB_DEBUG: '1' })).toBe(true)
    expect(setting('resources', { SPLINE_LAB_RESOURCES: '/opt/res' })).toBe('/opt/res')
    expect(setting('chromiumPath', {})).toBeUndefined()
  })

  it('refuses a bad worker count in one line naming the variable', () => {
    expect(setting('trainWorkers', { SPLINE_LAB_TRAIN_WORKERS: ' 2 ' })).toBe(2)
    expect(setting('trainWorkers', { SPLINE_LAB_TRAIN_WORKERS: 'auto' })).toBe('auto')
    expect(() => setting('trainWorkers', { SPLINE_LAB_TRAIN_WORKERS: '17' })).toThrow(/^SPLINE_LAB_TRAIN_WORKERS must be 'auto' or an integer 1–16, got '17'$/)
  })

  it('takes test hooks only as a JSON object, ignoring anything else', () => {
    expect(setting('testHooks', { SPLINE_LAB_TEST_HOOKS: '{"pruneSleepMs":5}' })).toEqual({ pruneSleepMs: 5 })
    expect(setting('testHooks', { SPLINE_LAB_TEST_HOOKS: '{oops' })).toEqual({})
    expect(setting('testHooks', { SPLINE_LAB_TEST_HOOKS: '[1]' })).toEqual({})
    expect(SETTINGS.testHooks.testOnly).toBe(true)
  })

  it('reads the process environment at the moment it is asked', () => {
    const saved = process.env.SPLINE_LAB_GEMM_THREADS
    try {
      process.env.SPLINE_LAB_GEMM_THREADS = '5'
      expect(setting('gemmThreads')).toBe(5)
      process.env.SPLINE_LAB_GEMM_THREADS = '6'
      expect(setting('gemmThreads')).toBe(6)
    } finally {
      if (saved === undefined) delete process.env.SPLINE_LAB_GEMM_THREADS
      else process.env.SPLINE_LAB_GEMM_THREADS = saved
    }
  })

  it('docs/settings.md prints the registry, and the README points to it', () => {
    const doc = readFileSync(join(REPO, 'docs', 'settings.md'), 'utf8')
    const m = /<!-- settings:start[^>]*-->\n([\s\S]*?)\n<!-- settings:end -->/.exec(doc)
    expect(m, 'docs/settings.md has no <!-- settings:start --> … <!-- settings:end --> block').not.toBeNull()
    expect(m![1]).toBe(settingsTable())
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).toContain('docs/settings.md')
  })

  it('is the only product code that reads the environment', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src-main', 'src-renderer'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|vue)$/.test(f) && !f.startsWith('src-main/settings/'))
    // Passing the whole environment on to a child process (`...process.env`) reads no setting.
    const readers = files.filter((f) =>
      /process\.env(?!,|\s*[,}])|\benv\.[A-Z_]{3,}/.test(readFileSync(join(REPO, f), 'utf8').replace(/\.\.\.process\.env/g, '')),
    )
    expect(readers).toEqual([])
    for (const d of Object.values(SETTINGS)) expect(d.name).toMatch(/^[A-Z][A-Z0-9_]+$/)
  })
})
