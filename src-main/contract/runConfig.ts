/**
 * Run configuration: what a researcher asks for. Validated with zod at every boundary (UI form,
 * WebSocket, IPC, CLI flags, worker messages); defaults follow reference/algorithms.md §4.
 */
import { z } from 'zod'

export const BUILTIN_DATASETS = ['builtin:xshape'] as const
export const MODELS = ['mlp'] as const
export const METHODS = ['dense'] as const
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const

const finite = (schema: z.ZodNumber) => schema.refine(Number.isFinite, 'must be a finite number')

export const RunConfigSchema = z
  .object({
    name: z.string().trim().max(120).optional(),
    dataset: z.enum(BUILTIN_DATASETS, { message: `must be one of ${BUILTIN_DATASETS.join(', ')}` }),
    model: z.enum(MODELS, { message: `must be one of ${MODELS.join(', ')}` }),
    /** hidden widths of the mlp (each Dense → BN → ReLU) */
    hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(16).default([20]),
    method: z.enum(METHODS, { message: `must be one of ${METHODS.join(', ')}` }).default('dense'),
    epochs: z.number().int().min(1).max(1000).default(30),
    batchSize: z.number().int().min(1).max(65536).default(64),
    lr: finite(z.number().positive().max(10)).default(0.1),
    momentum: finite(z.number().min(0).max(0.999)).default(0.9),
    weightDecay: finite(z.number().min(0).max(1)).default(1e-4),
    /** epochs (as fractions of the total) where lr is multiplied by 0.1 */
    lrMilestones: z.array(finite(z.number().gt(0).lt(1))).max(8).default([0.5, 0.75]),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
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
  })
  .strict()

export type RunConfig = z.output<typeof RunConfigSchema>
export type RunConfigInput = z.input<typeof RunConfigSchema>
