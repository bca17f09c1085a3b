/**
 * CLI flags → a run config. Every problem becomes a UsageError (exit 2) naming the flag.
 */
import { parseArgs } from 'node:util'
import { RunConfigSchema, type RunConfigInput, type RunConfig } from '../contract/api'

export class UsageError extends Error {}

/** run flags: flag → [config key, kind]. Lists are comma-separated. */
const CONFIG_FLAGS: Record<string, [string, 'string' | 'number' | 'numbers' | 'auto|number']> = {
  dataset: ['dataset', 'string'],
  model: ['model', 'string'],
  method: ['method', 'string'],
  hidden: ['hidden', 'numbers'],
  width: ['width', 'number'],
  criterion: ['criterion', 'string'],
  ratio: ['ratio', 'number'],
  scope: ['scope', 'string'],
  P: ['P', 'number'],
  retrain: ['retrain', 'string'],
  finetune: ['finetuneEpochs', 'number'],
  'bn-l1': ['bnL1', 'number'],
  'eb-cap': ['ebCap', 'number'],
  epochs: ['epochs', 'number'],
  batch: ['batchSize', 'number'],
  lr: ['lr', 'number'],
  momentum: ['momentum', 'number'],
  'weight-decay': ['weightDecay', 'number'],
  seed: ['seed', 'number'],
  'probe-kind': ['probeKind', 'string'],
  'probe-budget': ['probeBudgetBits', 'number'],
  'train-limit': ['trainLimit', 'number'],
  'test-limit': ['testLimit', 'number'],
  backend: ['backend', 'string'],
  'train-workers': ['trainWorkers', 'auto|number'],
  name: ['name', 'string'],
  'keep-checkpoints': ['keepCheckpoints', 'string'],
}
const FLAG_OF: Record<string, string> = Object.fromEntries(Object.entries(CONFIG_FLAGS).map(([flag, [key]]) => [key, flag]))
FLAG_OF.probeSamples = 'probe'
FLAG_OF.probeGrid = 'probe'
FLAG_OF.eb = 'eb-window/--eb-epsilon'

export const RUN_FLAGS = {
  ...Object.fromEntries(Object.keys(CONFIG_FLAGS).map((f) => [f, { type: 'string' as const }])),
  probe: { type: 'string' },
  'eb-window': { type: 'string' },
  'eb-epsilon': { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  events: { type: 'boolean' },
} as Record<string, { type: 'string' | 'boolean' }>

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
export function runConfigFromFlags(values: Record<string, string | boolean | undefined>, defaults: Record<string, unknown> = {}): RunConfig {
  const input: Record<string, unknown> = { dataset: 'builtin:xshape', model: 'mlp', method: 'dense', ...defaults }
  for (const [flag, [key, kind]] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag]
    if (typeof raw !== 'string') continue
    input[key] =
      kind === 'string' || (kind === 'auto|number' && raw === 'auto')
        ? raw
        : kind === 'number' || kind === 'auto|number'
          ? number(flag, raw)
          : raw.split(',').map((w) => number(flag, w))
  }
  const probe = number('probe', values.probe as string | undefined)
  if (probe !== undefined) {
    // --probe N: N probe points: N test samples, or a √N × √N grid / canvas
    input.probeSamples = probe
    input.probeGrid = Math.max(4, Math.round(Math.sqrt(probe)))
  }
  const ebWindow = number('eb-window', values['eb-window'] as string | undefined)
  const ebEpsilon = number('eb-epsilon', values['eb-epsilon'] as string | undefined)
  if (ebWindow !== undefined || ebEpsilon !== undefined) input.eb = { window: ebWindow ?? 3, epsilon: ebEpsilon ?? 0.16 }
  const parsed = RunConfigSchema.safeParse(input as RunConfigInput)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const [head, ...rest] = issue.path.map(String)
    const flag = head ? `--${FLAG_OF[head] ?? head}${rest.length ? `[${rest.join('.')}]` : ''}: ` : ''
    throw new UsageError(`${flag}${issue.message}`)
  }
  return parsed.data
}

/** Parses a comma-separated list of numbers for `flag`. */
export function numberList(flag: string, raw: string | undefined): number[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((w) => number(flag, w)!)
}
