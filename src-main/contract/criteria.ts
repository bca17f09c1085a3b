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
  /** a fixed batch of training data, for loss gradients */
  | 'training-batch'
  /** the BN scale γ of each channel */
  | 'bn-gamma'

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
}

/** In the order every list shows them. */
export const CRITERION_INFO = {
  spline: {
    label: 'Spline redundancy',
    description: 'boundary redundancy of each channel on the probe blended with |γ| by P; removed one at a time',
    score: 'P·rank(r_k) + (1−P)·rank(\\|γ_k\\|), r_k = min over remaining k′ of N(k,k′), removed one at a time (below)',
    needs: ['spline-codes', 'bn-gamma'],
    signed: false,
  },
  'bn-slimming': {
    label: 'BN slimming',
    description: '|γ| of each channel (network slimming)',
    score: '\\|γ_k\\|',
    needs: ['bn-gamma'],
    signed: false,
  },
  l1: {
    label: 'Filter L1',
    description: 'L1 norm of the filter producing each channel',
    score: '‖W_k‖₁ of the producing filter',
    needs: [],
    signed: false,
  },
  l2: {
    label: 'Filter L2',
    description: 'L2 norm of the filter producing each channel',
    score: '‖W_k‖₂ of the producing filter',
    needs: [],
    signed: false,
  },
  'loss-preservation': {
    label: 'Loss preservation',
    description: 'Σ|θ·g| over each filter, g the loss gradient on 256 training examples (SNIP-like)',
    score: 'Σ \\|θ·g\\| over the filter, g = ∇L on a fixed batch of 256 training examples',
    needs: ['training-batch'],
    signed: false,
  },
  grasp: {
    label: 'GraSP',
    description: 'Σ θ·(Hg) over each filter (Hessian-gradient product on 256 training examples)',
    score: 'Σ θ·(Hg) over the filter',
    needs: ['training-batch'],
    signed: true,
  },
  random: {
    label: 'Random',
    description: 'seeded uniform scores (a baseline)',
    score: 'seeded uniform',
    needs: [],
    signed: false,
  },
} as const satisfies Record<string, CriterionDescriptor>

export type CriterionId = keyof typeof CRITERION_INFO
export const CRITERIA = Object.keys(CRITERION_INFO) as [CriterionId, ...CriterionId[]]

export function criterionNeeds(id: CriterionId, need: CriterionNeed): boolean {
  return (CRITERION_INFO[id].needs as readonly CriterionNeed[]).includes(need)
}

/** `id  label: description` lines for the CLI help. */
export function criteriaHelp(indent = ''): string {
  const width = Math.max(...CRITERIA.map((c) => c.length))
  return CRITERIA.map((c) => `${indent}${c.padEnd(width)}  ${CRITERION_INFO[c].label}: ${CRITERION_INFO[c].description}`).join('\n')
}

/** The criteria table of docs/science.md (a test keeps the page equal to it). */
export function criteriaTable(): string {
  const needs = (c: CriterionId) => CRITERION_INFO[c].needs.join(', ') || '–'
  return [
    '| id | label | score | needs | signed |',
    '|---|---|---|---|---|',
    ...CRITERIA.map((c) => `| \`${c}\` | ${CRITERION_INFO[c].label} | ${CRITERION_INFO[c].score} | ${needs(c)} | ${CRITERION_INFO[c].signed ? 'yes' : 'no'} |`),
  ].join('\n')
}
