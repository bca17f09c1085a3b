/**
 * Sweep mode of the new-run form: methods × ratios × seeds (× criteria × P) over one base config,
 * validated by the contract's own `runs.sweep` schema.
 */
import { DEFAULT_CRITERION, requestSchemas, type Params } from '@contract'
import { formToInput, parseNumber, parseNumberList, validateForm, type RunForm } from './runForm'

export interface SweepForm {
  methods: string[]
  ratios: string
  /** a number once edited: v-model casts the value of type="number" inputs */
  seeds: string | number
  /** empty: each method's default criterion */
  criteria: string[]
  /** blank: the base config's P only */
  Ps: string
  /** '' (off), or the runs.sweep equalMacs mode */
  equalMacs: '' | 'layerwise' | 'target'
}

export type SweepErrors = Partial<Record<keyof SweepForm, string>>

export function defaultSweep(): SweepForm {
  return { methods: ['dense', 'spline-eb', 'eb-bn'], ratios: '0.3, 0.5, 0.7', seeds: '2', criteria: [], Ps: '', equalMacs: '' }
}

export type SweepValidation =
  | { ok: true; request: Params<'runs.sweep'>; count: number }
  | { ok: false; errors: SweepErrors; configErrors: ReturnType<typeof validateForm>; general: string[] }

export function validateSweep(form: RunForm, sweep: SweepForm): SweepValidation {
  const base = validateForm(form)
  const request = {
    config: formToInput(form),
    methods: sweep.methods,
    ratios: parseNumberList(sweep.ratios),
    seeds: parseNumber(sweep.seeds),
    ...(sweep.criteria.length ? { criteria: sweep.criteria } : {}),
    ...(String(sweep.Ps).trim() ? { Ps: parseNumberList(sweep.Ps) } : {}),
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    ...(sweep.equalMacs ? { equalMacs: sweep.equalMacs } : {}),
  }
  const parsed = requestSchemas['runs.sweep'].safeParse(request)
  const errors: SweepErrors = {}
  const general: string[] = []
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const head = String(issue.path[0])
      if (head === 'config') continue // reported on the form's own fields
      if (head === 'methods' || head === 'ratios' || head === 'seeds' || head === 'criteria' || head === 'Ps' || head === 'equalMacs')
        errors[head] ??= issue.message
      else general.push(issue.message)
    }
  }
  if (!base.ok || !parsed.success) return { ok: false, errors, configErrors: base, general }
  return {
    ok: true,
    request: request as Params<'runs.sweep'>,
    count: sweepSize(sweep.methods, request.ratios.length, request.seeds, sweep.criteria, request.Ps?.length ?? 0, form.criterion),
  }
}

/** How many runs the grid queues (as service/sweep.ts expands it: dense once per seed). */
export function sweepSize(methods: string[], ratios: number, seeds: number, criteria: string[], Ps: number, baseCriterion: string): number {
  let perSeed = 0
  for (const m of methods) {
    if (m === 'dense') {
      perSeed += 1
      continue
    }
    const crits = criteria.length ? criteria : [baseCriterion || (DEFAULT_CRITERION as Record<string, string | null>)[m] || '']
    for (const c of crits) perSeed += ratios * (c === 'spline' && Ps > 0 ? Ps : 1)
  }
  return perSeed * seeds
}
