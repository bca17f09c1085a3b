/**
 * A run's config as it trained: every field that applies to its run kind (the New-run form's own
 * visibility rules decide; ratio on a dense run, P off the spline criterion, … do not apply), with
 * the defaults its plan resolved in place of what the config left open (criterion, BN-L1, fine-tune
 * epochs, augmentation, the MACs budget). Compare, the reports and the aggregation all read this.
 */
import { DEFAULT_CRITERION, RUN_FIELDS, formKeyOf, readPath, valueToText, type ResolvedDefaults, type RunConfig } from '../contract/api'

export interface AppliedField {
  key: string
  value: string
  /** the value is a default the plan resolved, not one the config named */
  resolved: boolean
}

/** Fields that say how a run was carried out, not what was trained: never a reason to keep runs apart. */
export const NOT_SCIENCE = ['name', 'seed', 'backend', 'trainWorkers', 'keepCheckpoints'] as const

/** What runs stored before plans recorded their defaults trained with (the rules of their time: BN-L1 for eb-bn only, no augmentation). */
export function legacyResolved(config: RunConfig): ResolvedDefaults {
  const prunes = config.method !== 'dense'
  return {
    criterion: prunes ? (config.criterion ?? DEFAULT_CRITERION[config.method]) : null,
    bnL1: config.bnL1 ?? (config.method === 'eb-bn' ? 1e-4 : 0),
    finetuneEpochs: config.method === 'prune-after' ? (config.finetuneEpochs ?? Math.round(config.epochs / 2)) : null,
    capEpoch: null,
    augment: 'none',
    budget: prunes ? 'channels' : null,
    targetMacs: null,
  }
}

export function appliedConfig(config: RunConfig, resolved?: ResolvedDefaults | null): AppliedField[] {
  const r = resolved ?? legacyResolved(config)
  const c = config as unknown as Record<string, unknown>
  const override: Record<string, { value: unknown; resolved: boolean }> = {
    criterion: { value: r.criterion ?? undefined, resolved: config.criterion === undefined },
    bnL1: { value: r.bnL1, resolved: config.bnL1 === undefined },
    finetuneEpochs: { value: r.finetuneEpochs ?? undefined, resolved: config.finetuneEpochs === undefined },
    augment: { value: r.augment, resolved: config.augment === undefined || config.augment === 'auto' },
    budget: { value: r.budget ?? undefined, resolved: config.budget === undefined },
    targetMacs: { value: r.targetMacs === null ? undefined : Math.round(r.targetMacs), resolved: config.targetMacs === undefined || config.targetMacs <= 1 },
  }
  const valueOf = (key: string) => (key in override ? override[key]!.value : readPath(c, key))
  const view = {
    values: Object.fromEntries(
      RUN_FIELDS.map((f) => [
        formKeyOf(f.key),
        (() => {
          const v = valueOf(f.key)
          return v === undefined || v === null ? '' : valueToText(v)
        })(),
      ]),
    ),
    sweep: false,
  }
  const out: AppliedField[] = []
  for (const f of RUN_FIELDS) {
    if (!(f.form.visible?.(view) ?? true)) continue
    // an explicit MACs target replaces the ratio
    if (f.key === 'ratio' && config.targetMacs !== undefined) continue
    if (f.key === 'targetMacs' && r.targetMacs === null) continue
    let v = valueOf(f.key)
    if (v === undefined && f.kind === 'boolean') v = false
    out.push({ key: f.key, value: v === undefined || v === null ? '–' : valueToText(v), resolved: override[f.key]?.resolved === true && v !== undefined })
  }
  return out
}
