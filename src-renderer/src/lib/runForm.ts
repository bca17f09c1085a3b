/**
 * The new-run form as text fields, and its conversion to a RunConfig through the contract's own
 * schema, so the form can never accept what the server would refuse (or the reverse).
 * Optional fields left blank are omitted, so the schema's per-method defaults apply.
 */
import { RunConfigSchema, type RunConfig } from '@contract'

export interface RunForm {
  name: string
  dataset: string
  model: string
  hidden: string
  width: string
  method: string
  /** '' = the method's default criterion */
  criterion: string
  ratio: string
  scope: string
  P: string
  retrain: string
  /** '' = E/2 */
  finetuneEpochs: string
  /** '' = 1e-4 for eb-bn, 0 otherwise */
  bnL1: string
  ebCap: string
  epochs: string
  batchSize: string
  lr: string
  momentum: string
  weightDecay: string
  lrMilestones: string
  seed: string
  probeKind: string
  probeGrid: string
  probeSamples: string
  probeBudgetBits: string
  trainLimit: string
  testLimit: string
  ebWindow: string
  ebEpsilon: string
  bnEbQueue: string
  bnEbThreshold: string
  backend: string
  keepCheckpoints: string
}

export type FieldErrors = Partial<Record<keyof RunForm, string>>

export function defaultForm(): RunForm {
  const d = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp' }) as RunConfig & { keepCheckpoints?: string }
  return {
    name: '',
    dataset: d.dataset,
    model: d.model,
    hidden: d.hidden.join(','),
    width: String(d.width),
    method: d.method,
    criterion: '',
    ratio: String(d.ratio),
    scope: d.scope,
    P: String(d.P),
    retrain: d.retrain,
    finetuneEpochs: '',
    bnL1: '',
    ebCap: String(d.ebCap),
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    lr: String(d.lr),
    momentum: String(d.momentum),
    weightDecay: String(d.weightDecay),
    lrMilestones: d.lrMilestones.join(','),
    seed: String(d.seed),
    probeKind: d.probeKind,
    probeGrid: String(d.probeGrid),
    probeSamples: String(d.probeSamples),
    probeBudgetBits: String(d.probeBudgetBits),
    trainLimit: '',
    testLimit: '',
    ebWindow: String(d.eb.window),
    ebEpsilon: String(d.eb.epsilon),
    bnEbQueue: String(d.bnEb.queue),
    bnEbThreshold: String(d.bnEb.threshold),
    backend: d.backend,
    keepCheckpoints: d.keepCheckpoints ?? 'all',
  }
}

/**
 * Blank stays NaN rather than 0 so the schema reports it instead of silently using zero.
 * Accepts numbers too: Vue's v-model already casts the value of `type="number"` inputs.
 */
export function parseNumber(text: string | number): number {
  const trimmed = String(text).trim()
  return trimmed === '' ? Number.NaN : Number(trimmed)
}

/** "20, 20" or "20 20" → [20, 20]; a blank list is [] (which the schema rejects as too short) */
export function parseNumberList(text: string | number): number[] {
  return String(text)
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number)
}

const blank = (v: string | number) => String(v).trim() === ''

export function formToInput(form: RunForm): Record<string, unknown> {
  const name = form.name.trim()
  const optional = (key: string, v: string | number, value: unknown = parseNumber(v)) => (blank(v) ? {} : { [key]: value })
  return {
    ...(name ? { name } : {}),
    dataset: form.dataset,
    model: form.model,
    hidden: parseNumberList(form.hidden),
    width: parseNumber(form.width),
    method: form.method,
    ...optional('criterion', form.criterion, form.criterion),
    ratio: parseNumber(form.ratio),
    scope: form.scope,
    P: parseNumber(form.P),
    retrain: form.retrain,
    ...optional('finetuneEpochs', form.finetuneEpochs),
    ...optional('bnL1', form.bnL1),
    ebCap: parseNumber(form.ebCap),
    epochs: parseNumber(form.epochs),
    batchSize: parseNumber(form.batchSize),
    lr: parseNumber(form.lr),
    momentum: parseNumber(form.momentum),
    weightDecay: parseNumber(form.weightDecay),
    lrMilestones: parseNumberList(form.lrMilestones),
    seed: parseNumber(form.seed),
    probeKind: form.probeKind,
    probeGrid: parseNumber(form.probeGrid),
    probeSamples: parseNumber(form.probeSamples),
    probeBudgetBits: parseNumber(form.probeBudgetBits),
    ...optional('trainLimit', form.trainLimit),
    ...optional('testLimit', form.testLimit),
    eb: { window: parseNumber(form.ebWindow), epsilon: parseNumber(form.ebEpsilon) },
    bnEb: { queue: parseNumber(form.bnEbQueue), threshold: parseNumber(form.bnEbThreshold) },
    backend: form.backend,
    ...(form.keepCheckpoints && 'keepCheckpoints' in RunConfigSchema.shape ? { keepCheckpoints: form.keepCheckpoints } : {}),
  }
}

const NESTED: Record<string, Record<string, keyof RunForm>> = {
  eb: { window: 'ebWindow', epsilon: 'ebEpsilon' },
  bnEb: { queue: 'bnEbQueue', threshold: 'bnEbThreshold' },
}

/** zod issue path → the form field that shows it (list elements report on the list's field) */
export function fieldForPath(path: readonly PropertyKey[]): keyof RunForm | null {
  const [head, sub] = path.map(String)
  if (head && head in NESTED) return NESTED[head]![sub ?? ''] ?? null
  return head !== undefined && head in defaultForm() ? (head as keyof RunForm) : null
}

export type Validation = { ok: true; config: RunConfig } | { ok: false; errors: FieldErrors; general: string[] }

export function validateForm(form: RunForm): Validation {
  const parsed = RunConfigSchema.safeParse(formToInput(form))
  if (parsed.success) return { ok: true, config: parsed.data }
  const errors: FieldErrors = {}
  const general: string[] = []
  for (const issue of parsed.error.issues) {
    const field = fieldForPath(issue.path)
    const where = issue.path.length > 1 && !(String(issue.path[0]) in NESTED) ? ` (item ${Number(issue.path[1]) + 1})` : ''
    if (field) errors[field] ??= issue.message + where
    else general.push(issue.message)
  }
  return { ok: false, errors, general }
}

/**
 * The server names bad fields as `config.epochs: message; config.eb.window: message`
 * (describeZodError); route those to the fields too.
 */
export function serverFieldErrors(message: string): FieldErrors {
  const errors: FieldErrors = {}
  for (const part of message.split('; ')) {
    const match = /^config\.([\w.]+): (.*)$/.exec(part)
    if (!match) continue
    const field = fieldForPath(match[1]!.split('.'))
    if (field) errors[field] ??= match[2]!
  }
  return errors
}

/** Which fields matter for a method: the form hides the rest rather than confuse. */
export function relevant(method: string): { pruning: boolean; finetune: boolean; ebCap: boolean } {
  return { pruning: method !== 'dense', finetune: method === 'prune-after', ebCap: method === 'spline-eb' || method === 'eb-bn' }
}
