/**
 * The New-run form's state — one text per run-config field (RUN_FIELDS), keyed by the field's
 * form key (`eb.window` → `ebWindow`) — and its conversion to a RunConfig through the contract's
 * own schema, so the form can never accept what the server would refuse (or the reverse).
 * Optional fields left blank are omitted, so the schema's per-method defaults apply. Every
 * function takes the field list, so a field added to the registry is in the form at once.
 */
import {
  RUN_FIELDS,
  RunConfigSchema,
  fieldAtPath,
  fieldDefault,
  formKeyOf,
  isRequired,
  valueFromText,
  valueToText,
  writePath,
  type AnyField,
  type FormKeyOf,
  type FormView,
  type RunConfig,
  type RunField,
} from '@contract'

export type RunFormKey = FormKeyOf<RunField['key']>
export type RunForm = Record<RunFormKey, string>
export type FieldErrors = Partial<Record<RunFormKey, string>>

/** The form's text of a field before any edit: its default, or a required field's initial value. */
function initialText(f: AnyField): string {
  const d = fieldDefault(f)
  return d !== undefined ? valueToText(d) : (f.initial ?? '')
}

export function defaultForm(fields: readonly AnyField[] = RUN_FIELDS): RunForm {
  return Object.fromEntries(fields.map((f) => [formKeyOf(f.key), initialText(f)])) as RunForm
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

/**
 * The config input the form stands for. Values may be numbers: v-model casts those of
 * `type="number"` inputs.
 */
export function formToInput(form: Readonly<Record<string, string | number>>, fields: readonly AnyField[] = RUN_FIELDS): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  for (const f of fields) {
    const text = String(form[formKeyOf(f.key)] ?? '')
    // blank optional fields mean "unset"; blank others go to the schema, which names them
    if (text.trim() === '' && !isRequired(f) && fieldDefault(f) === undefined) continue
    writePath(input, f.key, valueFromText(f, text, false))
  }
  return input
}

/** zod issue path → the form field that shows it (list elements report on the list's field) */
export function fieldForPath(path: readonly PropertyKey[], fields: readonly AnyField[] = RUN_FIELDS): RunFormKey | null {
  const at = fieldAtPath(fields, path)
  return at ? (formKeyOf(at.field.key) as RunFormKey) : null
}

export type Validation = { ok: true; config: RunConfig } | { ok: false; errors: FieldErrors; general: string[] }

export function validateForm(form: Readonly<Record<string, string | number>>): Validation {
  const parsed = RunConfigSchema.safeParse(formToInput(form))
  if (parsed.success) return { ok: true, config: parsed.data }
  const errors: FieldErrors = {}
  const general: string[] = []
  for (const issue of parsed.error.issues) {
    const at = fieldAtPath(RUN_FIELDS, issue.path)
    const where = at?.rest.length ? ` (item ${Number(at.rest[0]) + 1})` : ''
    if (at) errors[formKeyOf(at.field.key) as RunFormKey] ??= issue.message + where
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

/** The fields of one form group that apply now, in their form order. */
export function visibleFields(group: string, view: FormView, fields: readonly AnyField[] = RUN_FIELDS): AnyField[] {
  return fields.filter((f) => f.form.group === group && (f.form.visible?.(view) ?? true)).sort((a, b) => a.form.order - b.form.order)
}
