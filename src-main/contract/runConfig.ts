/**
 * Run configuration: what a researcher asks for. Validated with zod at every boundary (UI form,
 * WebSocket, IPC, CLI flags, worker messages); defaults follow reference/algorithms.md §4.
 */
import { z } from 'zod'
import { CRITERIA, type CriterionId } from './criteria'

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

const finite = (schema: z.ZodNumber) => schema.refine(Number.isFinite, 'must be a finite number')

export const RunConfigSchema = z
  .object({
    name: z.string().trim().max(120).optional(),
    dataset: z.string().refine(isDatasetId, `must be one of ${BUILTIN_DATASETS.join(', ')} or ds:<id> of an imported dataset`),
    model: z.enum(MODELS, { message: `must be one of ${MODELS.join(', ')}` }),
    /** hidden widths of the mlp (each Dense → BN → ReLU) */
    hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(16).default([20]),
    /** channel multiplier of cnn / vgg / resnet / preresnet */
    width: finite(z.number().gt(0).max(4)).default(1),
    method: z.enum(METHODS, { message: `must be one of ${METHODS.join(', ')}` }).default('dense'),
    /** pruning criterion; default per method (DEFAULT_CRITERION) */
    criterion: z.enum(CRITERIA, { message: `must be one of ${CRITERIA.join(', ')}` }).optional(),
    /** fraction of prunable channels removed */
    ratio: finite(z.number().min(0).max(0.95)).default(0.5),
    scope: z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` }).default('global'),
    /** spline criterion blend: P·rank(redundancy) + (1−P)·rank(|γ|); default from docs/results.md */
    P: finite(z.number().min(0).max(1)).default(0.75),
    /** after pruning: continue from the ticket's weights, or re-initialise the pruned network */
    retrain: z.enum(['finetune', 'reinit']).default('finetune'),
    /** prune-after: fine-tuning epochs after the E dense epochs (default E/2) */
    finetuneEpochs: z.number().int().min(0).max(1000).optional(),
    /** BN-γ L1 sparsity s (network slimming): default 1e-4 for eb-bn, 0 otherwise */
    bnL1: finite(z.number().min(0).max(0.1)).optional(),
    /** spline-eb / eb-bn: if no ticket by this fraction of the epochs, draw it there */
    ebCap: finite(z.number().gt(0).max(1)).default(0.5),
    bnEb: z
      .object({
        queue: z.number().int().min(2).max(50).default(5),
        threshold: finite(z.number().gt(0).lt(1)).default(0.1),
      })
      .strict()
      .default({ queue: 5, threshold: 0.1 }),
    /** image probe: M test samples, or the 2-D canvas α·x0 + β·x1 on probeGrid² points */
    probeKind: z.enum(['auto', 'samples', 'canvas']).default('auto'),
    probeSamples: z.number().int().min(1).max(10000).default(256),
    /** bits recorded per layer per epoch; larger layers keep a fixed random subset of positions */
    probeBudgetBits: z
      .number()
      .int()
      .min(1024)
      .max(2 ** 26)
      .default(2 ** 18),
    /** use only the first N (shuffled) training / test examples: quick studies */
    trainLimit: z.number().int().min(1).optional(),
    testLimit: z.number().int().min(1).optional(),
    epochs: z.number().int().min(1).max(1000).default(30),
    batchSize: z.number().int().min(1).max(65536).default(64),
    lr: finite(z.number().positive().max(10)).default(0.1),
    momentum: finite(z.number().min(0).max(0.999)).default(0.9),
    weightDecay: finite(z.number().min(0).max(1)).default(1e-4),
    /** epochs (as fractions of the total) where lr is multiplied by 0.1 */
    lrMilestones: z
      .array(finite(z.number().gt(0).lt(1)))
      .max(8)
      .default([0.5, 0.75]),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    /** probe grid side for 2-D data: codes are recorded on grid × grid points */
    probeGrid: z.number().int().min(4).max(200).default(40),
    eb: z
      .object({
        window: z.number().int().min(1).max(50).default(3),
        epsilon: finite(z.number().gt(0).lt(1)).default(0.16),
      })
      .strict()
      .default({ window: 3, epsilon: 0.16 }),
    backend: z.enum(BACKEND_CHOICES).default('auto'),
    /**
     * Data-parallel training over this many trainer workers (wasm / cpu backends), or 'auto':
     * more than one only where it pays (docs/performance.md). Unset: SPLINE_LAB_TRAIN_WORKERS,
     * else 'auto'. No default on purpose, so configs (and checkpoint hashes) from before the field
     * stay the same.
     */
    trainWorkers: z.union([z.literal('auto'), z.number().int().min(1).max(16)]).optional(),
    /**
     * Checkpoints on disk: 'all' keeps every epoch's weights (partition views of any epoch; costs
     * about 4 bytes × params per epoch, plus the newest epoch's momentum), 'last' only the newest.
     */
    keepCheckpoints: z.enum(['all', 'last']).default('all'),
  })
  .strict()

export type RunConfig = z.output<typeof RunConfigSchema>
export type RunConfigInput = z.input<typeof RunConfigSchema>
