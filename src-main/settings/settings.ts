/**
 * Every environment variable Spline Lab reads, declared once: its name, type, default and what it
 * does, and how its text becomes a value. Other modules read them only through `setting()`, at the
 * moment they need one (tests change process.env between runs); docs/settings.md prints
 * `settingsTable()` and a test keeps the two equal.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { BACKEND_CHOICES } from '../contract/runConfig'

export type Env = Readonly<Record<string, string | undefined>>

export interface SettingDef<T> {
  /** the environment variable */
  name: string
  /** what it takes, in words */
  type: string
  /** what applies when it is unset, in words */
  default: string
  description: string
  /** read only by the test suite's fault injection; never set in normal use */
  testOnly?: boolean
  /** the variable's text (undefined when unset) → its value */
  read(raw: string | undefined): T
}

const def = <T>(d: SettingDef<T>): SettingDef<T> => d
const blank = (raw: string | undefined): raw is undefined | '' => raw === undefined || raw === ''
/** a count of threads: unset → undefined (the caller's default); unreadable → NaN, which the callers turn into 1 */
const count = (raw: string | undefined): number | undefined => (blank(raw) ? undefined : Number(raw))

export const SETTINGS = {
  home: def({
    name: 'SPLINE_LAB_HOME',
    type: 'folder',
    default: '~/.spline-lab',
    description: 'the data folder: the database (unless `--db`), dataset caches and checkpoints',
    read: (raw) => (blank(raw) ? join(homedir(), '.spline-lab') : raw),
  }),
  backend: def({
    name: 'SPLINE_LAB_BACKEND',
    type: BACKEND_CHOICES.join(' \\| '),
    default: 'auto',
    description: 'the backend the trainer starts on; a run config that names one still wins for that run',
    read: (raw) => (blank(raw) ? 'auto' : raw),
  }),
  gemmThreads: def({
    name: 'SPLINE_LAB_GEMM_THREADS',
    type: 'integer',
    default: 'all cores (at most 8)',
    description: 'threads our wasm dense products, transposes and SGD updates split over; 1 where other work shares the cores',
    read: count,
  }),
  wasmThreads: def({
    name: 'SPLINE_LAB_WASM_THREADS',
    type: 'integer',
    default: '1',
    description: "XNNPACK's own thread pool (0 or 1: off, at most 8); opt-in, it loses when another process shares the cores",
    read: count,
  }),
  trainWorkers: def({
    name: 'SPLINE_LAB_TRAIN_WORKERS',
    type: "'auto' or 1–16",
    default: 'auto',
    description: "data-parallel trainer workers for runs whose config leaves `trainWorkers` unset ('auto': more than one only where it pays)",
    read: (raw): 'auto' | number | undefined => {
      const text = raw?.trim()
      if (text === undefined || text === '') return undefined
      if (text === 'auto') return 'auto'
      const n = Number(text)
      if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`SPLINE_LAB_TRAIN_WORKERS must be 'auto' or an integer 1–16, got '${text}'`)
      return n
    },
  }),
  resources: def({
    name: 'SPLINE_LAB_RESOURCES',
    type: 'folder',
    default: 'next to the app',
    description: 'where the shipped data (built-in datasets) is looked for first',
    read: (raw) => (blank(raw) ? undefined : raw),
  }),
  chromiumPath: def({
    name: 'CHROMIUM_PATH',
    type: 'file',
    default: '/usr/bin/chromium, …',
    description: 'the Chromium that renders PDF reports in browser mode and the CLI',
    read: (raw) => (blank(raw) ? undefined : raw),
  }),
  debug: def({
    name: 'SPLINE_LAB_DEBUG',
    type: 'any text',
    default: 'unset',
    description: 'set: the CLI prints the stack of an internal error after its one-line message',
    read: (raw) => !blank(raw),
  }),
  rendererUrl: def({
    name: 'ELECTRON_RENDERER_URL',
    type: 'URL',
    default: 'unset',
    description: 'set by `npm run dev` (electron-vite): the desktop window loads the UI from this dev server instead of the built files',
    read: (raw) => (blank(raw) ? undefined : raw),
  }),
  testHooks: def({
    name: 'SPLINE_LAB_TEST_HOOKS',
    type: 'JSON object',
    default: 'unset',
    description: 'fault injection for the crash tests (slow or failing checkpoint writes, a replica that exits); unreadable JSON is ignored',
    testOnly: true,
    read: (raw): Record<string, unknown> => {
      if (blank(raw)) return {}
      try {
        const v: unknown = JSON.parse(raw)
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
      } catch {
        return {}
      }
    },
  }),
}

export type SettingKey = keyof typeof SETTINGS
export type SettingValue<K extends SettingKey> = ReturnType<(typeof SETTINGS)[K]['read']>

/** The value of one setting, read from `env` now. */
export function setting<K extends SettingKey>(key: K, env: Env = process.env): SettingValue<K> {
  const d = SETTINGS[key] as SettingDef<SettingValue<K>>
  return d.read(env[d.name])
}

/** The Markdown table of docs/settings.md. */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS).map(
    (d: SettingDef<unknown>) => `| \`${d.name}\` | ${d.type} | ${d.default} | ${d.description}${d.testOnly ? ' (tests only)' : ''} |`,
  )
  return ['| variable | type | default | what it does |', '|---|---|---|---|', ...rows].join('\n')
}
