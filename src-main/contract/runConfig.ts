/**
 * Run configuration: what a researcher asks for. Validated with zod at every boundary (UI form,
 * WebSocket, IPC, CLI flags, worker messages); defaults follow reference/algorithms.md §4.
 * RUN_FIELDS is the one list of its fields: the schema, the CLI flags and usage, the reproduce
 * command and the New-run form are derived from it (runFields.ts says how).
 */
import { z } from 'zod'
import { configSchema, field, type FormGroup, type FormView } from './runFields'
import { CRITERIA, CRITERION_INFO, type CriterionId } from './criteria'

/** The one list of built-in dataset ids (data/datasets.ts implements each). */
export const BUILTIN_DATASETS = ['builtin:xshape', 'builtin:spirals', 'builtin:gaussians', 'builtin:sawtooth', 'builtin:fashion-mini'] as const
export type BuiltinDatasetId = (typeof BUILTIN_DATASETS)[number]
/** imported datasets are named by their content key: `ds:` + 16 hex digits */
export const IMPORTED_DATASET_ID = /^ds:[0-9a-f]{16}$/
export function isDatasetId(id: string): boolean {
  return (BUILTIN_DATASETS as readonly string[]).includes(id) || IMPORTED_DATASET_ID.test(id)
}
export const MODELS = [
  'mlp',
  'cnn',
  'vgg11',
  'vgg13',
  'vgg16',
  'vgg19',
  'resnet20',
  'resnet56',
  'resnet110',
  'preresnet20',
  'preresnet56',
  'preresnet110',
  'preresnet164',
] as const
/** SPEC §1: the five run kinds */
export const METHODS = ['dense', 'spline-eb', 'eb-bn', 'prune-after', 'prune-at-init'] as const
export const SCOPES = ['layerwise', 'global'] as const
/** the criterion a method prunes with unless told otherwise */
export const DEFAULT_CRITERION: Record<(typeof METHODS)[number], CriterionId | null> = {
  dense: null,
  'spline-eb': 'spline',
  'eb-bn': 'bn-slimming',
  'prune-after': 'bn-slimming',
  'prune-at-init': 'loss-preservation',
}
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const
/** image augmentation: pad-4 random crop + horizontal flip (auto: on for 3-channel images) */
export const AUGMENTS = ['auto', 'none', 'crop-flip'] as const
/** what `ratio` fixes: the channels removed, or the MACs left (those of layerwise pruning at `ratio`) */
export const BUDGETS = ['channels', 'macs'] as const

const finite = (schema: z.ZodNumber) => schema.refine(Number.isFinite, 'must be a finite number')

const pruning = (v: FormView) => v.sweep || v.values.method !== 'dense'
const isPreResNet = (v: FormView) => /^preresnet/.test(v.values.model ?? '')
const methodDefaultCriterion = (v: FormView) => (DEFAULT_CRITERION as Record<string, string | null>)[v.values.method ?? ''] ?? null
const METHOD_HINT: Record<string, string> = {
  dense: 'train E epochs, no pruning',
  'spline-eb': 'train until the spline EB ticket, prune, retrain',
  'eb-bn': 'train until the BN-mask ticket (with BN L1), prune, retrain',
  'prune-after': 'train E epochs, prune, fine-tune',
  'prune-at-init': 'prune before training (SNIP-like), train E epochs',
}

/** Groups of the New-run form, in page order. */
export const RUN_FORM_GROUPS: readonly FormGroup[] = [
  { id: 'head', legend: null },
  { id: 'model', legend: 'Data and model' },
  { id: 'pruning', legend: 'Method and pruning' },
  { id: 'training', legend: 'Training' },
  { id: 'detectors', legend: 'Probe and early-bird detectors', advanced: true },
]

/**
 * Every run-config field. The order is the key order of parsed configs, which the checkpoint
 * config hash (JSON of the config) depends on: append new fields, never reorder. The form's
 * order is each field's `form.order` within its group.
 */
export const RUN_FIELDS = [
  field({
    key: 'name',
    schema: z.string().trim().max(120).optional(),
    kind: 'text',
    label: 'Name (optional)',
    help: 'a name for the run in lists and reports (blank: made from the config)',
    flag: 'name',
    reproduce: 'last',
    form: { group: 'head', order: 1, sweepLabel: 'Sweep name (optional)', placeholder: 'auto' },
  }),
  field({
    key: 'dataset',
    schema: z.string().refine(isDatasetId, `must be one of ${BUILTIN_DATASETS.join(', ')} or ds:<id> of an imported dataset`),
    kind: 'text',
    label: 'Dataset',
    help: `${BUILTIN_DATASETS.join(', ')}, ds:<id> of an imported dataset, or a folder to import`,
    flag: 'dataset',
    initial: 'builtin:xshape',
    reproduce: 'always',
    form: { group: 'model', order: 1, widget: 'dataset', span: 'wide' },
  }),
  field({
    key: 'model',
    schema: z.enum(MODELS, { message: `must be one of ${MODELS.join(', ')}` }),
    kind: 'enum',
    label: 'Model',
    help: 'the network',
    flag: 'model',
    initial: 'mlp',
    reproduce: 'always',
    form: { group: 'model', order: 2 },
  }),
  field({
    key: 'hidden',
    schema: z.array(z.number().int().min(1).max(4096)).min(1).max(16).default([20]),
    kind: 'numbers',
    label: 'Hidden widths',
    help: 'hidden widths of the mlp (each Dense → BN → ReLU)',
    flag: 'hidden',
    form: { group: 'model', order: 3, hint: 'e.g. 20 or 20,20', visible: (v) => v.values.model === 'mlp' },
  }),
  field({
    key: 'width',
    schema: finite(z.number().gt(0).max(4)).default(1),
    kind: 'number',
    label: 'Width multiplier',
    help: 'channel multiplier of cnn / vgg / resnet / preresnet',
    flag: 'width',
    form: { group: 'model', order: 4, hint: 'channels × this', visible: (v) => v.values.model !== 'mlp' },
  }),
  field({
    key: 'method',
    schema: z.enum(METHODS, { message: `must be one of ${METHODS.join(', ')}` }).default('dense'),
    kind: 'enum',
    label: 'Method',
    help: 'the run kind',
    flag: 'method',
    reproduce: 'always',
    form: { group: 'pruning', order: 1, span: 'span2', hint: (v) => METHOD_HINT[v.values.method ?? ''], visible: (v) => !v.sweep },
  }),
  field({
    key: 'criterion',
    schema: z.enum(CRITERIA, { message: `must be one of ${CRITERIA.join(', ')}` }).optional(),
    kind: 'enum',
    label: 'Criterion',
    help: 'pruning criterion (default: the method’s own)',
    flag: 'criterion',
    form: {
      group: 'pruning',
      order: 2,
      blankLabel: 'method default',
      choiceLabels: Object.fromEntries(CRITERIA.map((c) => [c, `${CRITERION_INFO[c].label} (${c})`])),
      hint: (v) => `default: ${v.sweep ? 'per method' : (methodDefaultCriterion(v) ?? '–')}`,
      visible: pruning,
    },
  }),
  field({
    key: 'ratio',
    schema: finite(z.number().min(0).max(0.95)).default(0.5),
    kind: 'number',
    label: 'Ratio',
    help: 'fraction of prunable channels removed',
    flag: 'ratio',
    form: { group: 'pruning', order: 3, step: 0.05, hint: 'fraction of channels removed', visible: (v) => !v.sweep && pruning(v) },
  }),
  field({
    key: 'scope',
    schema: z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` }).default('global'),
    kind: 'enum',
    label: 'Scope',
    help: 'rank channels per layer or over the whole network',
    flag: 'scope',
    form: { group: 'pruning', order: 4, visible: pruning },
  }),
  field({
    key: 'P',
    schema: finite(z.number().min(0).max(1)).default(0.75),
    kind: 'number',
    label: 'P (spline blend)',
    help: 'spline criterion blend: P·rank(redundancy) + (1−P)·rank(|γ|)',
    flag: 'P',
    form: {
      group: 'pruning',
      order: 5,
      step: 0.1,
      hint: '0: slimming · 1: redundancy',
      visible: (v) => v.sweep || (pruning(v) && (v.values.criterion || methodDefaultCriterion(v)) === 'spline'),
    },
  }),
  field({
    key: 'retrain',
    schema: z.enum(['finetune', 'reinit']).default('finetune'),
    kind: 'enum',
    label: 'After pruning',
    help: 'after pruning: continue from the ticket’s weights, or re-initialise the pruned network',
    flag: 'retrain',
    form: { group: 'pruning', order: 6, choiceLabels: { finetune: 'fine-tune the ticket', reinit: 're-initialise' }, visible: pruning },
  }),
  field({
    key: 'finetuneEpochs',
    schema: z.number().int().min(0).max(1000).optional(),
    kind: 'integer',
    label: 'Fine-tune epochs',
    help: 'prune-after: fine-tuning epochs after the E dense epochs (default E/2)',
    flag: 'finetune',
    form: { group: 'pruning', order: 7, hint: 'prune-after; blank: E/2', placeholder: 'E/2', visible: (v) => v.sweep || v.values.method === 'prune-after' },
  }),
  field({
    key: 'bnL1',
    schema: finite(z.number().min(0).max(0.1)).optional(),
    kind: 'number',
    label: 'BN γ L1 (s)',
    help: 'BN-γ L1 sparsity s (network slimming): default 1e-4 for eb-bn and whenever the criterion is bn-slimming, 0 otherwise',
    flag: 'bn-l1',
    form: { group: 'pruning', order: 9, hint: 'blank: 1e-4 for eb-bn / bn-slimming, else 0', placeholder: 'default' },
  }),
  field({
    key: 'ebCap',
    schema: finite(z.number().gt(0).max(1)).default(0.5),
    kind: 'number',
    label: 'EB cap',
    help: 'spline-eb / eb-bn: if no ticket by this fraction of the epochs, draw it there',
    flag: 'eb-cap',
    form: {
      group: 'pruning',
      order: 8,
      step: 0.05,
      hint: 'ticket at this fraction if none',
      visible: (v) => v.sweep || v.values.method === 'spline-eb' || v.values.method === 'eb-bn',
    },
  }),
  field({
    key: 'bnEb.queue',
    schema: z.number().int().min(2).max(50).default(5),
    kind: 'integer',
    label: 'BN EB queue',
    help: 'BN-mask early-bird detector: masks compared',
    flag: 'bn-eb-queue',
    form: { group: 'detectors', order: 7 },
  }),
  field({
    key: 'bnEb.threshold',
    schema: finite(z.number().gt(0).lt(1)).default(0.1),
    kind: 'number',
    label: 'BN EB threshold',
    help: 'BN-mask early-bird detector: largest mask distance of a ticket',
    flag: 'bn-eb-threshold',
    form: { group: 'detectors', order: 8 },
  }),
  field({
    key: 'probeKind',
    schema: z.enum(['auto', 'samples', 'canvas']).default('auto'),
    kind: 'enum',
    label: 'Probe',
    help: 'image probe: test samples, or the 2-D canvas α·x0 + β·x1 (auto: grid for 2-D data, samples for images)',
    flag: 'probe-kind',
    form: { group: 'detectors', order: 1, hint: '2-D: grid · images: samples or canvas', choiceLabels: { samples: 'test samples', canvas: '2-D canvas' } },
  }),
  field({
    key: 'probeSamples',
    schema: z.number().int().min(1).max(10000).default(256),
    kind: 'integer',
    label: 'Probe samples',
    help: 'test images the codes are recorded on (samples probe)',
    flag: 'probe-samples',
    form: { group: 'detectors', order: 3, hint: 'test images (samples)' },
  }),
  field({
    key: 'probeBudgetBits',
    schema: z
      .number()
      .int()
      .min(1024)
      .max(2 ** 26)
      .default(2 ** 18),
    kind: 'integer',
    label: 'Bits per layer',
    help: 'bits recorded per layer per epoch; larger layers keep a fixed random subset of positions',
    flag: 'probe-budget',
    form: { group: 'detectors', order: 4, hint: 'larger layers subsample positions' },
  }),
  field({
    key: 'trainLimit',
    schema: z.number().int().min(1).optional(),
    kind: 'integer',
    label: 'Train examples',
    help: 'use only the first N (shuffled) training examples: quick studies',
    flag: 'train-limit',
    form: { group: 'model', order: 5, hint: 'blank: all', placeholder: 'all' },
  }),
  field({
    key: 'testLimit',
    schema: z.number().int().min(1).optional(),
    kind: 'integer',
    label: 'Test examples',
    help: 'use only the first N (shuffled) test examples',
    flag: 'test-limit',
    form: { group: 'model', order: 6, hint: 'blank: all', placeholder: 'all' },
  }),
  field({
    key: 'epochs',
    schema: z.number().int().min(1).max(1000).default(30),
    kind: 'integer',
    label: 'Epochs',
    help: 'training epochs E',
    flag: 'epochs',
    reproduce: 'always',
    form: { group: 'training', order: 1 },
  }),
  field({
    key: 'batchSize',
    schema: z.number().int().min(1).max(65536).default(64),
    kind: 'integer',
    label: 'Batch size',
    help: 'examples per SGD step',
    flag: 'batch',
    form: { group: 'training', order: 2 },
  }),
  field({
    key: 'lr',
    schema: finite(z.number().positive().max(10)).default(0.1),
    kind: 'number',
    label: 'Learning rate',
    help: 'SGD learning rate',
    flag: 'lr',
    form: { group: 'training', order: 3 },
  }),
  field({
    key: 'momentum',
    schema: finite(z.number().min(0).max(0.999)).default(0.9),
    kind: 'number',
    label: 'Momentum',
    help: 'SGD momentum',
    flag: 'momentum',
    form: { group: 'training', order: 5 },
  }),
  field({
    key: 'weightDecay',
    schema: finite(z.number().min(0).max(1)).default(1e-4),
    kind: 'number',
    label: 'Weight decay',
    help: 'L2 weight decay',
    flag: 'weight-decay',
    form: { group: 'training', order: 6 },
  }),
  field({
    key: 'lrMilestones',
    schema: z
      .array(finite(z.number().gt(0).lt(1)))
      .max(8)
      .default([0.5, 0.75]),
    kind: 'numbers',
    label: 'LR milestones',
    help: 'fractions of the epochs where the learning rate is multiplied by 0.1',
    flag: 'lr-milestones',
    form: { group: 'training', order: 7, hint: 'fractions, e.g. 0.5,0.75' },
  }),
  field({
    key: 'seed',
    schema: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    kind: 'integer',
    label: 'Seed',
    help: 'seed of the initialisation, shuffles and probe (a sweep counts up from it)',
    flag: 'seed',
    form: { group: 'training', order: 4, sweepLabel: 'First seed' },
  }),
  field({
    key: 'probeGrid',
    schema: z.number().int().min(4).max(200).default(40),
    kind: 'integer',
    label: 'Probe grid',
    help: 'probe grid side for 2-D data and the canvas: codes are recorded on grid × grid points',
    flag: 'probe-grid',
    form: { group: 'detectors', order: 2, hint: 'points per side (2-D, canvas)' },
  }),
  field({
    key: 'eb.window',
    schema: z.number().int().min(1).max(50).default(3),
    kind: 'integer',
    label: 'Spline EB window W',
    help: 'spline early-bird detector: epochs whose distances must all stay below ε',
    flag: 'eb-window',
    form: { group: 'detectors', order: 5 },
  }),
  field({
    key: 'eb.epsilon',
    schema: finite(z.number().gt(0).lt(1)).default(0.16),
    kind: 'number',
    label: 'Spline EB ε',
    help: 'spline early-bird detector: the distance threshold ε',
    flag: 'eb-epsilon',
    form: { group: 'detectors', order: 6 },
  }),
  field({
    key: 'backend',
    schema: z.enum(BACKEND_CHOICES).default('auto'),
    kind: 'enum',
    label: 'Backend',
    help: 'TensorFlow.js backend (auto: the first that works; a forced one fails instead of falling back)',
    flag: 'backend',
    form: { group: 'training', order: 8 },
  }),
  field({
    /**
     * Data-parallel training over this many trainer workers (wasm / cpu backends), or 'auto':
     * more than one only where it pays (docs/performance.md). Unset: SPLINE_LAB_TRAIN_WORKERS,
     * else 'auto'. No default on purpose, so configs (and checkpoint hashes) from before the field
     * stay the same.
     */
    key: 'trainWorkers',
    schema: z.union([z.literal('auto'), z.number().int().min(1).max(16)]).optional(),
    kind: 'auto|integer',
    label: 'Trainer workers',
    help: 'data-parallel trainer workers (wasm / cpu backends), or auto; unset: SPLINE_LAB_TRAIN_WORKERS, else auto',
    flag: 'train-workers',
    form: { group: 'training', order: 9, hint: 'auto or 1–16; blank: default', placeholder: 'auto' },
  }),
  field({
    /**
     * Checkpoints on disk: 'all' keeps every epoch's weights (partition views of any epoch; costs
     * about 4 bytes × params per epoch, plus the newest epoch's momentum), 'last' only the newest.
     */
    key: 'keepCheckpoints',
    schema: z.enum(['all', 'last']).default('all'),
    kind: 'enum',
    label: 'Checkpoints',
    help: 'checkpoints kept on disk: every epoch’s (partition views of any epoch) or the newest only',
    flag: 'keep-checkpoints',
    form: { group: 'training', order: 10, hint: 'all: partition view of any epoch', choiceLabels: { all: 'every epoch', last: 'newest only' } },
  }),
  // The fields below are optional without a default on purpose: configs (and checkpoint hashes)
  // from before them stay the same; the plan resolves them (ResolvedDefaults, stored with the run).
  field({
    key: 'augment',
    schema: z.enum(AUGMENTS, { message: `must be one of ${AUGMENTS.join(', ')}` }).optional(),
    kind: 'enum',
    label: 'Augmentation',
    help: 'training images: pad-4 random crop + horizontal flip, seeded per epoch (auto, the default: on for 3-channel images, off otherwise)',
    flag: 'augment',
    form: {
      group: 'training',
      order: 11,
      blankLabel: 'default (auto)',
      choiceLabels: { auto: 'auto: 3-channel images', none: 'none', 'crop-flip': 'pad-4 crop + flip' },
      hint: 'CIFAR protocol; never on 2-D data',
    },
  }),
  field({
    key: 'budget',
    schema: z.enum(BUDGETS, { message: `must be one of ${BUDGETS.join(', ')}` }).optional(),
    kind: 'enum',
    label: 'Budget',
    help: 'what the ratio fixes: the channels removed (channels, the default), or the MACs left, those of layerwise pruning at the ratio (macs: the criterion’s own ratio is solved to ±1 %, so every criterion costs the same)',
    flag: 'budget',
    form: {
      group: 'pruning',
      order: 10,
      blankLabel: 'default (channels)',
      choiceLabels: { channels: 'ratio of channels', macs: 'MACs of layerwise pruning at the ratio' },
      hint: 'macs: equal cost for every criterion',
      visible: pruning,
    },
  }),
  field({
    key: 'targetMacs',
    schema: finite(z.number().gt(0).max(1e15)).optional(),
    kind: 'number',
    label: 'Target MACs',
    help: 'prune to this many MACs per image instead of a channel ratio: ≤ 1 a fraction of the dense network’s, > 1 a count; the ratio is solved per run to ±1 %',
    flag: 'target-macs',
    form: { group: 'pruning', order: 11, hint: '≤ 1: fraction of dense · > 1: MACs', placeholder: 'none', visible: pruning },
  }),
  field({
    key: 'pruneInputs',
    schema: z.boolean().optional(),
    kind: 'boolean',
    label: 'Prune block inputs',
    help: 'PreResNet: block-input channels (and the final BN’s) are prunable too, as the EB code’s channel_selection; the ratio then counts them with the inner ones',
    flag: 'prune-inputs',
    form: { group: 'pruning', order: 12, hint: 'EB channel_selection', visible: (v) => pruning(v) && (v.sweep || isPreResNet(v)) },
  }),
] as const

export type RunField = (typeof RUN_FIELDS)[number]
export type RunFieldKey = RunField['key']

export const RunConfigSchema = configSchema(RUN_FIELDS)

export type RunConfig = z.output<typeof RunConfigSchema>
export type RunConfigInput = z.input<typeof RunConfigSchema>

/** Defaults the config left open, as the run's plan resolved them (stored with the run when it starts). */
export interface ResolvedDefaults {
  criterion: CriterionId | null
  /** BN-γ L1 sparsity of its training */
  bnL1: number
  finetuneEpochs: number | null
  /** the early-bird cap epoch (spline-eb, eb-bn) */
  capEpoch: number | null
  augment: 'none' | 'crop-flip'
  /** what the ratio fixed: the channels removed, or the MACs left (null: nothing is pruned) */
  budget: 'channels' | 'macs' | null
  /** the MACs per image the prune step aimed at (budget 'macs') */
  targetMacs: number | null
}
