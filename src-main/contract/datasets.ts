/** Dataset records and import options of the API contract (see api.ts). */
import { z } from 'zod'

export interface DatasetInfo {
  id: string
  name: string
  description: string
  inputShape: number[]
  numClasses: number
  trainCount: number
  testCount: number
  /** classification unless said otherwise (regression: one float target, numClasses 1) */
  task?: 'classification' | 'regression'
  /** how the data was read: 'builtin' or the detected format of an imported folder */
  format?: DatasetFormat
  /** the folder it was imported from (imported datasets only) */
  path?: string
  /** class names with their train/test counts, in label order */
  classes?: DatasetClassCount[]
  /** per-channel (images) or per-feature (tables) mean and std of the training inputs, raw units */
  stats?: { mean: number[]; std: number[] }
  /** how the train/test split was made when the folder had none (recorded for reproducibility) */
  split?: { seed: number; testFraction: number } | null
  /** problems that were reported and skipped (bad files, empty class folders, conversions) */
  warnings?: string[]
  /** a few small sample images as data:image/png URLs */
  thumbnails?: string[]
  importedAt?: string
  /** size of the binary cache in the app's data folder */
  cacheBytes?: number
}

export type DatasetFormat = 'builtin' | 'idx' | 'cifar10' | 'cifar100' | 'image-folder' | 'csv' | 'npy'

export interface DatasetClassCount {
  name: string
  train: number
  test: number
}

/** A polyline in plane coordinates, flat: [x0, y0, x1, y1, …]. */

/** Choices an import may need; each one is part of the cache key. */
export const DatasetImportOptionsSchema = z
  .object({
    /** CSV: the label column's header (detected when absent: label/class/target/y, else the last) */
    labelColumn: z.string().min(1).max(200).optional(),
    /** images of mixed sizes: resize all to [height, width] (never done unless asked) */
    resizeTo: z.tuple([z.number().int().min(1).max(1024), z.number().int().min(1).max(1024)]).optional(),
    /** seed and test fraction of the split made when the folder has no train/test */
    splitSeed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    testFraction: z.number().min(0.05).max(0.5).optional(),
    /** CIFAR-100: which labels to train on */
    cifar100Labels: z.enum(['fine', 'coarse']).optional(),
    /** where the labels are ambiguous (many integers, negative numbers): classes or a regression target */
    task: z.enum(['classification', 'regression']).optional(),
    /**
     * the import budget in bytes of cache (default 4 GiB; compressed input may also expand at
     * most 100-fold): a folder claiming more is refused before it is read. Not part of the key.
     */
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(2 ** 50)
      .optional(),
  })
  .strict()
export type DatasetImportOptions = z.infer<typeof DatasetImportOptionsSchema>

/** datasets.cancel: stops the imports of a folder in flight (the path as given to datasets.import) */
export const DatasetCancelSchema = z.object({ path: z.string().trim().min(1).max(4096) }).strict()
