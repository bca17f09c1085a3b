/**
 * The pruning criteria Spline Lab knows: the one list every other list is derived from (the run
 * config's enum, the CLI help, the UI labels, the table in docs/science.md). Each criterion's
 * implementation is its own file, src-main/core/pruning/criteria/<id>.ts; a test checks that the
 * two sides name the same criteria. Adding a criterion: an entry here and that file.
 */

/** What a criterion reads besides the network's weights. */
export type CriterionNeed =
  /** the channel-major spline codes of the ticket on the probe (recorded during training, or at initialisation) */
  | 'spline-codes'
  /** labelled training samples, for loss gradients */
  | 'training-data'
  /** the BN scale γ of each channel */
  | 'bn-gamma'
  /** the weight producing each channel (a filter): not there for residual-stream selections */
  | 'producer-weight'

/**
 * How a gradient criterion draws and weighs its samples, as its reference code does (flowandprune
 * `cal_grad` / `cal_hg`): always with BN in inference mode (`net.eval()`), the loss the
 * cross-entropy of logits / temperature.
 */
export interface GradientSamples {
  /** training samples in all (`--imp_samples`): the first of a seeded shuffle, or this many / classes per class */
  samples: number
  /** class-balanced: samples / classes of each class, the loss the mean over classes of each class's mean (`grasp_data`) */
  perClass: boolean
  /** evaluated this many at a time (the result does not depend on it: BN is in inference mode) */
  batch: number
  temperature: number
}

export interface CriterionDescriptor {
  /** short name in the UI */
  label: string
  /** one line: what the score is (UI hints, CLI help) */
  description: string
  /** the score as the docs define it (docs/science.md's table) */
  score: string
  needs: readonly CriterionNeed[]
  /** scores can be negative (they are still ranked, lowest pruned first) */
  signed: boolean
  /**
   * Channels each group keeps at least: 'one', or 'five-percent' = ⌊0.05·C⌋ + 1 (flowandprune's
   * `constrain_ratios`; it protects the last filters by index, we protect the highest-scoring).
   */
  floor: 'one' | 'five-percent'
  /** gradient criteria: their samples */
  gradients?: GradientSamples
}

/** flowandprune's defaults: `--imp_samples` 2560 in batches of 128 (`--T` 5; GraSP `--grasp_T` 200) */
const LOSS_SAMPLES: GradientSamples = { samples: 2560, perClass: false, batch: 128, temperature: 5 }
const GRASP_SAMPLES: GradientSamples = { samples: 2560, perClass: true, batch: 128, temperature: 200 }

/** In the order every list shows them. */
export const CRITERION_INFO = {
  spline: {
    label: 'Spline redundancy',
    description: 'boundary redundancy of each channel on the probe blended with |γ| by P; removed one at a time',
    score: 'P·rank(r_k) + (1−P)·rank(\\|γ_k\\|), r_k = min over remaining k′ of N(k,k′), removed one at a time (below)',
    needs: ['spline-codes', 'bn-gamma'],
    signed: false,
    floor: 'one',
  },
  'bn-slimming': {
    label: 'BN slimming',
    description: '|γ| of each channel (network slimming; trained with BN-γ L1 s = 1e-4 unless bnL1 says otherwise)',
    score: '\\|γ_k\\|, the network trained with BN-γ L1 sparsity (s = 1e-4 unless `bnL1` is set)',
    needs: ['bn-gamma'],
    signed: false,
    floor: 'one',
  },
  l1: {
    label: 'Filter L1',
    description: 'L1 norm of the filter producing each channel; each layer keeps ⌊0.05·C⌋+1',
    score: '‖W_k‖₁ of the producing filter',
    needs: ['producer-weight'],
    signed: false,
    floor: 'five-percent',
  },
  l2: {
    label: 'Filter L2',
    description: 'L2 norm of the filter producing each channel; each layer keeps ⌊0.05·C⌋+1',
    score: '‖W_k‖₂ of the producing filter',
    needs: ['producer-weight'],
    signed: false,
    floor: 'five-percent',
  },
  'loss-preservation': {
    label: 'Loss preservation',
    description: 'Σ|θ·g| over each filter, g the loss gradient (T = 5, BN in inference mode) on 2,560 training samples',
    score: 'Σ \\|θ·g\\| over the filter, g = ∇ of the mean CE(logits / 5) over 2,560 shuffled training samples, BN in inference mode',
    needs: ['training-data', 'producer-weight'],
    signed: false,
    floor: 'five-percent',
    gradients: LOSS_SAMPLES,
  },
  grasp: {
    label: 'GraSP',
    description: 'Σ θ·(Hg) over each filter: exact Hessian-gradient product (T = 200, BN in inference mode) on 2,560 class-balanced samples',
    score: 'Σ θ·(Hg) over the filter; g and H of the mean over classes of CE(logits / 200), 2,560 / C samples per class, BN in inference mode',
    needs: ['training-data', 'producer-weight'],
    signed: true,
    floor: 'five-percent',
    gradients: GRASP_SAMPLES,
  },
  random: {
    label: 'Random',
    description: 'seeded uniform scores (a baseline)',
    score: 'seeded uniform',
    needs: [],
    signed: false,
    floor: 'one',
  },
} as const satisfies Record<string, CriterionDescriptor>

export type CriterionId = keyof typeof CRITERION_INFO
export const CRITERIA = Object.keys(CRITERION_INFO) as [CriterionId, ...CriterionId[]]

export function criterionNeeds(id: CriterionId, need: CriterionNeed): boolean {
  return (CRITERION_INFO[id].needs as readonly CriterionNeed[]).includes(need)
}

/** The channels a group of `width` keeps at least under the criterion's floor. */
export function keptFloor(id: CriterionId, width: number): number {
  return Math.min(width, (CRITERION_INFO[id] as CriterionDescriptor).floor === 'five-percent' ? Math.floor(0.05 * width) + 1 : 1)
}

/** The gradient criterion's samples, or null. */
export function gradientSamples(id: CriterionId): GradientSamples | null {
  return (CRITERION_INFO[id] as CriterionDescriptor).gradients ?? null
}

/** `id  label: description` lines for the CLI help. */
export function criteriaHelp(indent = ''): string {
  const width = Math.max(...CRITERIA.map((c) => c.length))
  return CRITERIA.map((c) => `${indent}${c.padEnd(width)}  ${CRITERION_INFO[c].label}: ${CRITERION_INFO[c].description}`).join('\n')
}

/** The criteria table of docs/science.md (a test keeps the page equal to it). */
export function criteriaTable(): string {
  const needs = (c: CriterionId) => CRITERION_INFO[c].needs.join(', ') || '–'
  const floor = (c: CriterionId) => ((CRITERION_INFO[c] as CriterionDescriptor).floor === 'five-percent' ? '⌊0.05·C⌋+1' : '1')
  return [
    '| id | label | score | needs | signed | kept per layer |',
    '|---|---|---|---|---|---|',
    ...CRITERIA.map(
      (c) => `| \`${c}\` | ${CRITERION_INFO[c].label} | ${CRITERION_INFO[c].score} | ${needs(c)} | ${CRITERION_INFO[c].signed ? 'yes' : 'no'} | ${floor(c)} |`,
    ),
  ].join('\n')
}
