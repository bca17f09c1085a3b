/**
 * CLI flags → a run config. The run flags, their parsing and their usage lines come from the
 * run-config fields (RUN_FIELDS); every problem becomes a UsageError (exit 2) naming the flag.
 */
import { parseArgs } from 'node:util'
import {
  RUN_FIELDS,
  RUN_FORM_GROUPS,
  RunConfigSchema,
  fieldAtPath,
  fieldChoices,
  fieldDefault,
  valueFromText,
  valueToText,
  writePath,
  type AnyField,
  type RunConfig,
} from '../contract/api'

export class UsageError extends Error {}

type FlagSpec = Record<string, { type: 'string' | 'boolean' }>
type FlagValues = Record<string, string | boolean | undefined>
/** what configFromFlags needs of a zod schema */
interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }
}

/** `--probe N`: N probe points at once, as N test samples or a √N × √N grid / canvas. */
const PROBE = 'probe'

/** The parseArgs options of a field list's flags. */
export function fieldFlags(fields: readonly AnyField[]): FlagSpec {
  return Object.fromEntries(fields.map((f) => [f.flag, { type: f.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]))
}

export const RUN_FLAGS: FlagSpec = {
  ...fieldFlags(RUN_FIELDS),
  [PROBE]: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  events: { type: 'boolean' },
}

export function parseFlags<T extends FlagSpec>(
  argv: string[],
  options: T,
): { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  let parsed
  try {
    // allowNegative: a boolean field's flag also has its --no- form
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, allowNegative: true, strict: true })
  } catch (err) {
    // Node's messages run over several lines; the CLI's errors are one line.
    throw new UsageError((err instanceof Error ? err.message : String(err)).split('\n')[0]!)
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === '') throw new UsageError(`--${name}: empty value`)
  }
  return { values: parsed.values as { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }, positionals: parsed.positionals }
}

/**
 * `--ratio -1` reaches the flag's own range check ("--ratio: must be ≥ 0") instead of Node's
 * "argument is ambiguous": a value flag followed by a negative number takes it as its value.
 */
function joinNegativeValues(argv: string[], options: FlagSpec): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null
    const next = argv[i + 1]
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${a}=${next}`)
      i++
    } else out.push(a)
  }
  return out
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag}: '${raw}' is not a number`)
  return n
}

/**
 * Builds and validates a config of `fields` from flag values: each given flag's text read as its
 * field's kind, over the required fields' initial values and `defaults`. The schema's message is
 * prefixed with the flag the value came from.
 */
export function configFromFlags<T>(values: FlagValues, fields: readonly AnyField[], schema: Schema<T>, defaults: Record<string, unknown> = {}): T {
  const input: Record<string, unknown> = {}
  for (const f of fields) if (f.initial !== undefined) writePath(input, f.key, f.initial)
  Object.assign(input, defaults)
  const source = new Map<string, string>()
  const probe = number(PROBE, values[PROBE] as string | undefined)
  if (probe !== undefined && fields.some((f) => f.key === 'probeSamples')) {
    input.probeSamples = probe
    input.probeGrid = Math.max(4, Math.round(Math.sqrt(probe)))
    source.set('probeSamples', PROBE).set('probeGrid', PROBE)
  }
  // after --probe, so --probe-samples / --probe-grid given too win
  for (const f of fields) {
    const raw = values[f.flag]
    if (raw === undefined) continue
    const value =
      typeof raw === 'boolean'
        ? raw
        : valueFromText(f, raw, true, (piece) => {
            throw new UsageError(`--${f.flag}: '${piece}' is not a number`)
          })
    writePath(input, f.key, value)
    source.set(f.key, f.flag)
  }
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = fieldAtPath(fields, issue.path)
    const flag = at ? `--${source.get(at.field.key) ?? at.field.flag}${at.rest.length ? `[${at.rest.join('.')}]` : ''}: ` : ''
    throw new UsageError(`${flag}${issue.message}`)
  }
  return parsed.data
}

/** Builds and validates a run config from `run` flags. */
export function runConfigFromFlags(values: FlagValues, defaults: Record<string, unknown> = {}): RunConfig {
  return configFromFlags(values, RUN_FIELDS, RunConfigSchema, defaults)
}

/** What a flag takes, as its usage line shows it. */
function placeholder(f: AnyField): string {
  const choices = fieldChoices(f).join('|')
  if (choices) return choices.length <= 24 ? choices : f.flag.charAt(0).toUpperCase()
  return { number: 'X', integer: 'N', numbers: 'N,N', boolean: '', text: 'S', 'auto|integer': 'auto|N', enum: 'S' }[f.kind]
}

/**
 * The usage lines of a field list's flags (and `--probe`), under the New-run form's group
 * legends, each with its help and default, wrapped at `columns`.
 */
export function fieldUsage(fields: readonly AnyField[], groups: readonly { id: string; legend: string | null }[] = RUN_FORM_GROUPS, columns = 110): string[] {
  const order = (id: string) => (groups.findIndex((g) => g.id === id) + groups.length + 1) % (groups.length + 1)
  const sorted = [...fields].sort((a, b) => order(a.form.group) - order(b.form.group) || a.form.order - b.form.order)
  const rows: [string, string][] = []
  let group: string | null = null
  for (const f of sorted) {
    if (f.form.group !== group) {
      group = f.form.group
      const legend = groups.find((g) => g.id === group)?.legend
      if (legend) rows.push([legend, ''])
    }
    const choices = fieldChoices(f)
    const d = fieldDefault(f)
    const flag = f.kind === 'boolean' ? `--${f.flag} / --no-${f.flag}` : `--${f.flag} ${placeholder(f)}`
    const extra = [
      choices.join('|').length > 24 ? `one of ${choices.join(', ')}` : '',
      d !== undefined ? `default ${valueToText(d)}` : f.initial ? `default ${f.initial}` : '',
    ]
    rows.push([`  ${flag}`, [f.help, ...extra.filter(Boolean)].join('; ')])
    if (f.key === 'probeSamples') rows.push([`  --${PROBE} N`, 'N probe points at once: sets --probe-samples N and --probe-grid √N'])
  }
  const width = Math.max(...rows.filter(([, help]) => help).map(([flag]) => flag.length)) + 2
  return rows.flatMap(([flag, help]) => (help ? wrap(help, columns - width - 2).map((line, i) => `  ${(i ? '' : flag).padEnd(width)}${line}`) : [`  ${flag}:`]))
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line]
}

/** Parses a comma-separated list of numbers for `flag`. */
export function numberList(flag: string, raw: string | undefined): number[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((w) => number(flag, w)!)
}
