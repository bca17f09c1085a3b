/**
 * How a run-config field is declared, and what is derived from a list of them: the zod object
 * schema, defaults, choices and bounds, the text a flag or form input holds and back. The list
 * itself is RUN_FIELDS (runConfig.ts); the CLI flags and usage (cli/args.ts), the reproduce
 * command (common/analysis.ts) and the New-run form (renderer lib/runForm.ts) are all built from
 * it, so a field added there appears everywhere at once. Every function here takes the list as a
 * parameter, so a test can build the same things from a throwaway list.
 */
import { z } from 'zod'

/**
 * What a field holds, which decides how its text is read (flag value, form input) and which
 * input edits it: enum → a select of the schema's choices; number / integer → a number input;
 * numbers → a comma-separated list; boolean → a checkbox (`--flag` / `--no-flag`); text → a text
 * input; auto|integer → 'auto' or a count.
 */
export type FieldKind = 'enum' | 'number' | 'integer' | 'numbers' | 'boolean' | 'text' | 'auto|integer'
export type FieldWidget = 'select' | 'number' | 'numbers' | 'checkbox' | 'text' | 'dataset'

/** A group of the New-run form: a fieldset (no legend: loose fields at the top); `advanced` ones sit folded under a summary. */
export interface FormGroup {
  id: string
  legend: string | null
  advanced?: boolean
}

/** What a form predicate or hint sees: the form's text values by form key, and the mode. */
export interface FormView {
  values: Readonly<Record<string, string>>
  sweep: boolean
}

export interface FieldForm {
  /** the group (RUN_FORM_GROUPS) and the place in it */
  group: string
  order: number
  /** the input used, when not the kind's own (the dataset picker) */
  widget?: 'dataset'
  /** the label in sweep mode, when it differs */
  sweepLabel?: string
  hint?: string | ((view: FormView) => string | undefined)
  placeholder?: string
  /** number inputs: the spinner step ('any' unless given; integers step by 1) */
  step?: number
  /** grid cells: the whole row, or two columns */
  span?: 'wide' | 'span2'
  /** select: labels of choices that should not read as the raw value */
  choiceLabels?: Readonly<Record<string, string>>
  /** select of an optional field: the label of the empty choice */
  blankLabel?: string
  /** shown only when this holds (e.g. pruning settings for pruning methods) */
  visible?: (view: FormView) => boolean
}

export interface FieldDef<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** the config key; nested objects as dotted keys (`eb.window`) */
  key: K
  /** with `.default(…)`, or `.optional()` when unset has a meaning of its own */
  schema: S
  kind: FieldKind
  label: string
  /** one line: the CLI usage, docs */
  help: string
  /** the CLI flag, without `--` */
  flag: string
  /** required fields: the value a new form and a bare `spline-lab run` start from */
  initial?: string
  /**
   * The reproduce command names every field that differs from its default; 'always': even at its
   * default (the run's essentials); 'last': after the training settings (a label such as the name).
   */
  reproduce?: 'always' | 'last'
  form: FieldForm
}

export type AnyField = FieldDef<string, z.ZodType>

/** Declares a field, keeping its key and schema types for the config type. */
export function field<const K extends string, S extends z.ZodType>(def: FieldDef<K, S>): FieldDef<K, S> {
  return def
}

type Head<K extends string> = K extends `${infer H}.${string}` ? H : K
type Sub<K extends string, H extends string> = K extends `${H}.${infer S}` ? S : never
type SchemaOf<F extends AnyField, K extends string> = Extract<F, { key: K }>['schema']
/** The object shape of a field list: dotted keys become strict nested objects with defaults. */
export type ShapeOf<F extends AnyField> = {
  [H in Head<F['key']>]: H extends F['key'] ? SchemaOf<F, H> : z.ZodDefault<z.ZodObject<{ [S in Sub<F['key'], H>]: SchemaOf<F, `${H}.${S}`> }, z.core.$strict>>
}

const unwrap = (s: z.ZodType): z.ZodType => (s instanceof z.ZodDefault || s instanceof z.ZodOptional ? unwrap(s.unwrap() as z.ZodType) : s)

/** The field's default, or undefined when it has none (optional or required). */
export function fieldDefault(f: AnyField): unknown {
  return f.schema instanceof z.ZodDefault ? (f.schema.def.defaultValue as unknown) : undefined
}

/** Neither a default nor optional: the config must name it. */
export function isRequired(f: AnyField): boolean {
  return !(f.schema instanceof z.ZodDefault) && !(f.schema instanceof z.ZodOptional)
}

/** An enum field's choices. */
export function fieldChoices(f: AnyField): readonly string[] {
  const base = unwrap(f.schema)
  return base instanceof z.ZodEnum ? (base.options as string[]) : []
}

/** A number field's bounds (of its elements, for lists), as the schema states them. */
export function fieldBounds(f: AnyField): { min?: number; max?: number; int?: boolean; maxLength?: number } {
  let base = unwrap(f.schema)
  if (base instanceof z.ZodArray) base = unwrap(base.element as z.ZodType)
  if (base instanceof z.ZodNumber) return { min: finiteOr(base.minValue), max: finiteOr(base.maxValue), int: base.isInt }
  if (base instanceof z.ZodString) return { maxLength: base.maxLength ?? undefined }
  return {}
}
const finiteOr = (n: number | null) => (n !== null && Number.isFinite(n) ? n : undefined)

/** The object schema of a field list, in list order (which is the key order of parsed configs). */
export function configSchema<F extends AnyField>(fields: readonly F[]): z.ZodObject<ShapeOf<F>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {}
  const nested: Record<string, Record<string, z.ZodType>> = {}
  for (const f of fields) {
    const [head, sub] = splitKey(f.key)
    if (sub === undefined) shape[head] = f.schema
    else {
      // placed where its first field is, so the parsed key order follows the list
      if (!(head in nested)) shape[head] = z.never()
      ;(nested[head] ??= {})[sub] = f.schema
    }
  }
  for (const [head, inner] of Object.entries(nested)) {
    const defaults = Object.fromEntries(Object.entries(inner).map(([k, s]) => [k, s instanceof z.ZodDefault ? s.def.defaultValue : undefined]))
    shape[head] = z.object(inner).strict().default(defaults)
  }
  return z.object(shape).strict() as unknown as z.ZodObject<ShapeOf<F>, z.core.$strict>
}

function splitKey(key: string): [string, string | undefined] {
  const dot = key.indexOf('.')
  return dot < 0 ? [key, undefined] : [key.slice(0, dot), key.slice(dot + 1)]
}

/** The value at a field's key (dotted keys reach into nested objects). */
export function readPath(config: Readonly<Record<string, unknown>>, key: string): unknown {
  const [head, sub] = splitKey(key)
  const v = config[head]
  return sub === undefined ? v : v && typeof v === 'object' ? (v as Record<string, unknown>)[sub] : undefined
}

/** Sets a field's value in a config input, creating nested objects as needed. */
export function writePath(input: Record<string, unknown>, key: string, value: unknown): void {
  const [head, sub] = splitKey(key)
  if (sub === undefined) input[head] = value
  else {
    const inner = input[head]
    input[head] = { ...(inner && typeof inner === 'object' ? inner : {}), [sub]: value }
  }
}

/** The key of a field in the form's state: `eb.window` → `ebWindow`. */
export function formKeyOf(key: string): string {
  return key.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase())
}
export type FormKeyOf<K extends string> = K extends `${infer H}.${infer S}` ? `${H}${Capitalize<S>}` : K

/** The field whose key a zod issue path starts with, and what remains of the path (list items). */
export function fieldAtPath<F extends AnyField>(fields: readonly F[], path: readonly PropertyKey[]): { field: F; rest: string[] } | null {
  const parts = path.map(String)
  for (const f of fields) {
    const keyParts = f.key.split('.')
    if (keyParts.every((p, i) => parts[i] === p)) return { field: f, rest: parts.slice(keyParts.length) }
  }
  return null
}

/**
 * A flag's or input's text → the field's value. `strict` (flags): lists are comma-separated and
 * every number must read as one, else `bad(piece)` is called; not strict (forms): lists split on
 * commas or spaces, and an unreadable or blank number is NaN, for the schema to name.
 */
export function valueFromText(f: AnyField, text: string, strict: boolean, bad: (piece: string) => never = () => undefined as never): unknown {
  const num = (piece: string): number => {
    const t = piece.trim()
    const n = t === '' ? Number.NaN : Number(t)
    if (strict && !Number.isFinite(n)) bad(piece)
    return n
  }
  switch (f.kind) {
    case 'number':
    case 'integer':
      return num(text)
    case 'numbers':
      return strict
        ? text.split(',').map(num)
        : text
            .split(/[,\s]+/)
            .filter(Boolean)
            .map(Number)
    case 'auto|integer':
      return text.trim() === 'auto' ? 'auto' : num(text)
    case 'boolean':
      return text === 'true'
    default:
      return text
  }
}

/** A value → the text of its flag or input (lists comma-separated). */
export function valueToText(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}

/** The input a field is edited with. */
export function widgetOf(f: AnyField): FieldWidget {
  if (f.form.widget) return f.form.widget
  switch (f.kind) {
    case 'enum':
      return 'select'
    case 'number':
    case 'integer':
      return 'number'
    case 'numbers':
      return 'numbers'
    case 'boolean':
      return 'checkbox'
    default:
      return 'text'
  }
}

/** Two values of a field are the same (lists element by element). */
export function sameValue(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b
}
