/**
 * The run-config field registry is the one source of every list of fields: the schema (which
 * parses exactly what it did before the registry, so checkpoint hashes stay), the CLI flags and
 * usage, the reproduce command and the New-run form all have every field, a config survives
 * config → reproduce command → flags → config, and a field added to the registry is everywhere.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  RUN_FIELDS,
  RUN_FORM_GROUPS,
  RunConfigSchema,
  configSchema,
  field,
  fieldBounds,
  fieldChoices,
  fieldDefault,
  formKeyOf,
  readPath,
  writePath,
  type AnyField,
  type FormView,
  type RunConfig,
} from '../../src-main/contract/api'
import { RUN_FLAGS, configFromFlags, fieldFlags, fieldUsage, parseFlags, runConfigFromFlags } from '../../src-main/cli/args'
import { reproduceCommand } from '../../src-main/common/analysis'
import { configHash } from '../../src-main/worker/jobCheckpoints'

// Computed path: tsconfig.node.json (which typechecks test/) does not include src-renderer/.
interface FormModule {
  defaultForm(fields?: readonly AnyField[]): Record<string, string>
  formToInput(form: Record<string, string>, fields?: readonly AnyField[]): Record<string, unknown>
  validateForm(form: Record<string, string>): { ok: true; config: RunConfig } | { ok: false; errors: Record<string, string>; general: string[] }
  visibleFields(group: string, view: FormView, fields?: readonly AnyField[]): AnyField[]
}
let form: FormModule
beforeAll(async () => {
  const path = '../../src-renderer/src/lib/runForm'
  form = (await import(/* @vite-ignore */ path)) as FormModule
})

/** The shell words of a reproduce command, unquoted as sh would. */
function argvOf(cmd: string): string[] {
  return cmd
    .replace(/^spline-lab run ?/, '')
    .match(/'(?:[^']|'\\'')*'|\S+/g)!
    .map((w) => (w.startsWith("'") ? w.slice(1, -1).replace(/'\\''/g, "'") : w))
}
const back = (cmd: string, fields: readonly AnyField[] = RUN_FIELDS, schema: z.ZodType = RunConfigSchema) =>
  configFromFlags(parseFlags(argvOf(cmd), { ...RUN_FLAGS, ...fieldFlags(fields) }).values, fields, schema)

const TEXT_VALUES: Record<string, string> = { name: "it's mine", dataset: 'builtin:spirals' }

/** A valid value of the field other than its default (and other than the initial value). */
function otherValue(f: AnyField): unknown {
  const d = fieldDefault(f) ?? f.initial
  const { min, max, int } = fieldBounds(f)
  const inRange = (lo = 0, hi = lo + 16) => {
    const v = lo + (hi - lo) * 0.4
    return int || f.kind === 'integer' ? Math.round(v) : v
  }
  switch (f.kind) {
    case 'enum':
      return fieldChoices(f).find((c) => c !== d)
    case 'number':
    case 'integer':
      return inRange(min, max)
    case 'numbers':
      return [inRange(min, max), inRange(min, max)]
    case 'auto|integer':
      return 3
    case 'boolean':
      return d !== true
    case 'text':
      return TEXT_VALUES[f.key] ?? expect.fail(`give the text field '${f.key}' a test value in TEXT_VALUES`)
  }
}

const minimal = () => RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp' })

describe('the schema derived from the registry', () => {
  it('parses configs to the same JSON, so checkpoint config hashes do not change', () => {
    // hashes and JSON recorded from the hand-written schema before the registry
    const cases: [Record<string, unknown>, string][] = [
      [{ dataset: 'builtin:xshape', model: 'mlp' }, 'a74694aa28c6ac87'],
      [
        {
          dataset: 'builtin:fashion-mini',
          model: 'cnn',
          width: 0.5,
          method: 'prune-after',
          criterion: 'l2',
          ratio: 0.3,
          scope: 'layerwise',
          finetuneEpochs: 4,
          bnL1: 0.001,
          epochs: 9,
          seed: 7,
          trainLimit: 300,
          probeSamples: 64,
          name: 'x',
          eb: { window: 4 },
          bnEb: { threshold: 0.2 },
          trainWorkers: 2,
          keepCheckpoints: 'last',
          lrMilestones: [0.3],
        },
        'eb1d4db61babbd86',
      ],
      [
        { dataset: 'builtin:spirals', model: 'mlp', hidden: [16, 16], method: 'spline-eb', probeGrid: 20, backend: 'wasm', trainWorkers: 'auto' },
        '71de8507b9a75f01',
      ],
    ]
    for (const [input, hash] of cases) expect(configHash(RunConfigSchema.parse(input))).toBe(hash)
    expect(JSON.stringify(minimal())).toBe(
      '{"dataset":"builtin:xshape","model":"mlp","hidden":[20],"width":1,"method":"dense","ratio":0.5,"scope":"global","P":0.75,"retrain":"finetune","ebCap":0.5,"bnEb":{"queue":5,"threshold":0.1},"probeKind":"auto","probeSamples":256,"probeBudgetBits":262144,"epochs":30,"batchSize":64,"lr":0.1,"momentum":0.9,"weightDecay":0.0001,"lrMilestones":[0.5,0.75],"seed":0,"probeGrid":40,"eb":{"window":3,"epsilon":0.16},"backend":"auto","keepCheckpoints":"all"}',
    )
  })

  it('refuses what it refused, with the same messages', () => {
    const issue = (input: Record<string, unknown>) => {
      const r = RunConfigSchema.safeParse({ dataset: 'builtin:xshape', model: 'mlp', ...input })
      return r.success ? null : { path: r.error.issues[0]!.path, message: r.error.issues[0]!.message }
    }
    expect(issue({ dataset: 'nope' })).toEqual({
      path: ['dataset'],
      message: 'must be one of builtin:xshape, builtin:spirals, builtin:gaussians, builtin:sawtooth, builtin:fashion-mini or ds:<id> of an imported dataset',
    })
    expect(issue({ method: 'x' })).toEqual({ path: ['method'], message: 'must be one of dense, spline-eb, eb-bn, prune-after, prune-at-init' })
    expect(issue({ scope: 'x' })).toEqual({ path: ['scope'], message: 'must be one of layerwise, global' })
    expect(issue({ extra: 1 })).toEqual({ path: [], message: 'Unrecognized key: "extra"' })
    expect(issue({ eb: { x: 1 } })).toEqual({ path: ['eb'], message: 'Unrecognized key: "x"' })
    expect(issue({ hidden: [1, 0] })).toEqual({ path: ['hidden', 1], message: 'Too small: expected number to be >=1' })
    expect(issue({ trainWorkers: 0 })).toEqual({ path: ['trainWorkers'], message: 'Too small: expected number to be >=1' })
    expect(issue({ width: Infinity })?.path).toEqual(['width'])
  })
})

describe('every field of the registry', () => {
  it('is in the schema, the CLI flags, the usage, the reproduce command and the form', () => {
    const usage = fieldUsage(RUN_FIELDS).join('\n')
    const groups = RUN_FORM_GROUPS.map((g) => g.id)
    const views: FormView[] = ['dense', 'spline-eb', 'prune-after'].flatMap((method) =>
      ['mlp', 'cnn'].flatMap((model) => [true, false].map((sweep) => ({ values: { ...form.defaultForm(), method, model, criterion: 'spline' }, sweep }))),
    )
    expect(new Set(RUN_FIELDS.map((f) => f.flag)).size).toBe(RUN_FIELDS.length)
    for (const f of RUN_FIELDS) {
      const value = otherValue(f)
      const input: Record<string, unknown> = { dataset: 'builtin:xshape', model: 'mlp' }
      writePath(input, f.key, value)
      const config = RunConfigSchema.parse(input)
      expect(readPath(config, f.key), f.key).toEqual(value)
      expect(RUN_FLAGS[f.flag], f.key).toBeDefined()
      expect(usage, f.key).toContain(`--${f.flag} `)
      const cmd = reproduceCommand(config)
      // a whole flag (a boolean one may end the command)
      expect(`${cmd} `, f.key).toContain(`--${f.flag} `)
      expect(back(cmd), f.key).toEqual(config)
      expect(groups, f.key).toContain(f.form.group)
      expect(form.defaultForm(), f.key).toHaveProperty([formKeyOf(f.key)])
      expect(
        views.some((v) => form.visibleFields(f.form.group, v).includes(f)),
        `${f.key} is never shown`,
      ).toBe(true)
      const text = { ...form.defaultForm(), [formKeyOf(f.key)]: Array.isArray(value) ? value.join(', ') : String(value) }
      const v = form.validateForm(text)
      expect(v.ok && readPath(v.config, f.key), f.key).toEqual(value)
    }
  })

  it('round-trips a config with every field changed: config → reproduce command → flags → config', () => {
    const input: Record<string, unknown> = {}
    for (const f of RUN_FIELDS) writePath(input, f.key, otherValue(f))
    const config = RunConfigSchema.parse(input)
    const cmd = reproduceCommand(config)
    expect(back(cmd)).toEqual(config)
    expect(argvOf(cmd).filter((w) => w.startsWith('--'))).toHaveLength(RUN_FIELDS.length)
    // the defaults: only the essentials
    expect(reproduceCommand(minimal())).toBe('spline-lab run --dataset builtin:xshape --model mlp --method dense --epochs 30')
    expect(back(reproduceCommand(minimal()))).toEqual(minimal())
  })

  it('keeps the CLI shortcuts: --probe N sets both probe sizes, and names itself in errors', () => {
    const c = runConfigFromFlags(parseFlags(['--probe', '400'], RUN_FLAGS).values)
    expect([c.probeSamples, c.probeGrid]).toEqual([400, 20])
    expect(runConfigFromFlags(parseFlags(['--probe', '400', '--probe-grid', '8'], RUN_FLAGS).values).probeGrid).toBe(8)
    expect(() => runConfigFromFlags(parseFlags(['--probe', '100000'], RUN_FLAGS).values)).toThrow(/^--probe: /)
    expect(runConfigFromFlags(parseFlags(['--eb-window', '4'], RUN_FLAGS).values).eb).toEqual({ window: 4, epsilon: 0.16 })
    expect(() => runConfigFromFlags(parseFlags(['--eb-epsilon', '2'], RUN_FLAGS).values)).toThrow(/^--eb-epsilon: /)
    expect(() => runConfigFromFlags(parseFlags(['--hidden', '8,x'], RUN_FLAGS).values)).toThrow(/^--hidden: 'x' is not a number$/)
  })
})

describe('a field added to the registry', () => {
  const fields = [
    ...RUN_FIELDS,
    field({
      key: 'dropout',
      schema: z.number().min(0).max(0.9).default(0),
      kind: 'number',
      label: 'Dropout',
      help: 'dropout rate',
      flag: 'dropout',
      form: { group: 'training', order: 11 },
    }),
    field({
      key: 'eb.patience',
      schema: z.number().int().min(1).max(9).default(2),
      kind: 'integer',
      label: 'EB patience',
      help: 'epochs the detector waits',
      flag: 'eb-patience',
      form: { group: 'detectors', order: 9 },
    }),
    field({
      key: 'mixup',
      schema: z.boolean().default(false),
      kind: 'boolean',
      label: 'Mixup',
      help: 'mix pairs of examples',
      flag: 'mixup',
      form: { group: 'training', order: 12 },
    }),
  ]
  const schema = configSchema(fields)

  it('appears in the schema, the flags, the usage, the reproduce command and the form at once', () => {
    const base = schema.parse({ dataset: 'builtin:xshape', model: 'mlp' })
    expect(base).toMatchObject({ dropout: 0, mixup: false, eb: { window: 3, epsilon: 0.16, patience: 2 } })
    expect(fieldFlags(fields)).toMatchObject({ dropout: { type: 'string' }, 'eb-patience': { type: 'string' }, mixup: { type: 'boolean' } })
    const usage = fieldUsage(fields).join('\n')
    for (const flag of ['--dropout X', '--eb-patience N', '--mixup / --no-mixup']) expect(usage).toContain(flag)

    const config = back('spline-lab run --dropout 0.3 --eb-patience 4 --mixup', fields, schema)
    expect(config).toMatchObject({ dropout: 0.3, mixup: true, eb: { patience: 4 } })
    const cmd = reproduceCommand(config as RunConfig, fields)
    expect(cmd).toContain('--dropout 0.3')
    expect(cmd).toContain('--eb-patience 4')
    expect(cmd).toContain('--mixup')
    expect(back(cmd, fields, schema)).toEqual(config)
    expect(back('spline-lab run --no-mixup', fields, schema)).toMatchObject({ mixup: false })

    const state = form.defaultForm(fields)
    expect(state).toMatchObject({ dropout: '0', ebPatience: '2', mixup: 'false' })
    expect(schema.parse(form.formToInput({ ...state, dropout: '0.2', ebPatience: '5', mixup: 'true' }, fields))).toMatchObject({
      dropout: 0.2,
      mixup: true,
      eb: { patience: 5 },
    })
    const view = { values: state, sweep: false }
    expect(form.visibleFields('training', view, fields).map((f) => f.key)).toEqual(expect.arrayContaining(['dropout', 'mixup']))
    expect(form.visibleFields('detectors', view, fields).map((f) => f.key)).toContain('eb.patience')
  })

  it('leaves the configs of the real registry as they were', () => {
    expect(configHash(minimal())).toBe('a74694aa28c6ac87')
  })
})
