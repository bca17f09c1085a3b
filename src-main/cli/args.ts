/**
 * CLI flags → a run config. Every problem becomes a UsageError (exit 2) naming the flag.
 */
import { parseArgs } from 'node:util'
import { RunConfigSchema, type RunConfigInput, type RunConfig } from '../contract/api'

export class UsageError extends Error {}

export const RUN_FLAGS = {
  dataset: { type: 'string' },
  model: { type: 'string' },
  method: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  probe: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
} as const

type FlagSpec = Record<string, { type: 'string' | 'boolean' }>

export function parseFlags<T extends FlagSpec>(
  argv: string[],
  options: T,
): { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    return { values: values as { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }, positionals }
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag}: '${raw}' is not a number`)
  return n
}

/** Builds and validates a run config from `run` flags. */
export function runConfigFromFlags(values: Record<string, string | boolean | undefined>): RunConfig {
  const s = (k: string) => values[k] as string | undefined
  const input: Record<string, unknown> = {
    dataset: s('dataset') ?? 'builtin:xshape',
    model: s('model') ?? 'mlp',
    method: s('method') ?? 'dense',
    name: s('name'),
    epochs: number('epochs', s('epochs')),
    batchSize: number('batch', s('batch')),
    lr: number('lr', s('lr')),
    seed: number('seed', s('seed')),
    probeGrid: number('probe', s('probe')),
    backend: s('backend'),
    hidden: s('hidden')?.split(',').map((w) => number('hidden', w)),
  }
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k]
  const parsed = RunConfigSchema.safeParse(input as RunConfigInput)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const [head, ...rest] = issue.path.map(String)
    const flag = head ? `--${FLAG_OF[head] ?? head}${rest.length ? `[${rest.join('.')}]` : ''}: ` : ''
    throw new UsageError(`${flag}${issue.message}`)
  }
  return parsed.data
}

const FLAG_OF: Record<string, string> = { batchSize: 'batch', probeGrid: 'probe' }
