/**
 * The new-run form as text fields, and its conversion to a RunConfig through the contract's own
 * schema, so the form can never accept what the server would refuse (or the reverse).
 */
import { RunConfigSchema, type RunConfig } from '@contract'

export interface RunForm {
  name: string
  dataset: string
  model: string
  hidden: string
  method: string
  epochs: string
  batchSize: string
  lr: string
  momentum: string
  weightDecay: string
  lrMilestones: string
  seed: string
  probeGrid: string
  ebWindow: string
  ebEpsilon: string
  backend: string
}

export type FieldErrors = Partial<Record<keyof RunForm, string>>

export function defaultForm(): RunForm {
  const d = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp' })
  return {
    name: '',
    dataset: d.dataset,
    model: d.model,
    hidden: d.hidden.join(','),
    method: d.method,
    epochs: String(d.epochs),
    batchSize: String(d.batchSize),
    lr: String(d.lr),
    momentum: String(d.momentum),
    weightDecay: String(d.weightDecay),
    lrMilestones: d.lrMilestones.join(','),
    seed: String(d.seed),
    probeGrid: String(d.probeGrid),
    ebWindow: String(d.eb.window),
    ebEpsilon: String(d.eb.epsilon),
    backend: d.backend,
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

export function formToInput(form: RunForm): Record<string, unknown> {
  const name = form.name.trim()
  return {
    ...(name ? { name } : {}),
    dataset: form.dataset,
    model: form.model,
    hidden: parseNumberList(form.hidden),
    method: form.method,
    epochs: parseNumber(form.epochs),
    batchSize: parseNumber(form.batchSize),
    lr: parseNumber(form.lr),
    momentum: parseNumber(form.momentum),
    weightDecay: parseNumber(form.weightDecay),
    lrMilestones: parseNumberList(form.lrMilestones),
    seed: parseNumber(form.seed),
    probeGrid: parseNumber(form.probeGrid),
    eb: { window: parseNumber(form.ebWindow), epsilon: parseNumber(form.ebEpsilon) },
    backend: form.backend,
  }
}

/** zod issue path → the form field that shows it (list elements report on the list's field) */
export function fieldForPath(path: readonly PropertyKey[]): keyof RunForm | null {
  const [head, sub] = path.map(String)
  if (head === 'eb') return sub === 'window' ? 'ebWindow' : sub === 'epsilon' ? 'ebEpsilon' : null
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
    const where = issue.path.length > 1 && issue.path[0] !== 'eb' ? ` (item ${Number(issue.path[1]) + 1})` : ''
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
