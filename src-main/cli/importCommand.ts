/**
 * `spline-lab import <folder>`: imports a dataset folder (progress on stderr) and prints its
 * record; and the `--dataset <folder>` of run/sweep, which imports first and trains on the
 * result. Bad folders exit 2 with one line naming the file and the problem; Ctrl-C cancels the
 * import (its temporaries are removed) and exits 130.
 */
import { existsSync, statSync } from 'node:fs'
import { ApiError, BUILTIN_DATASETS, type DatasetImportOptions, type DatasetInfo, type Results } from '../contract/api'
import { UsageError, parseFlags } from './args'
import { createProgressBar } from './progressBar'
import { withService } from './service'

export const IMPORT_USAGE = `import  <folder> [--label-column C] [--resize HxW] [--split-seed N] [--test-fraction F]
          [--cifar100-labels fine|coarse] [--task classification|regression] [--max-bytes N] [--db FILE] [--json]`

const IMPORT_FLAGS = {
  'label-column': { type: 'string' },
  resize: { type: 'string' },
  'split-seed': { type: 'string' },
  'test-fraction': { type: 'string' },
  'cifar100-labels': { type: 'string' },
  task: { type: 'string' },
  'max-bytes': { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
} as const

function importOptions(values: Record<string, string | boolean | undefined>): DatasetImportOptions {
  const opts: DatasetImportOptions = {}
  const s = (k: string) => values[k] as string | undefined
  if (s('label-column') !== undefined) opts.labelColumn = s('label-column')
  if (s('resize') !== undefined) {
    const m = /^(\d+)x(\d+)$/i.exec(s('resize')!)
    if (!m) throw new UsageError(`--resize: '${s('resize')}' is not HEIGHTxWIDTH, e.g. 28x28`)
    opts.resizeTo = [Number(m[1]), Number(m[2])]
  }
  if (s('split-seed') !== undefined) opts.splitSeed = Number(s('split-seed'))
  if (s('test-fraction') !== undefined) opts.testFraction = Number(s('test-fraction'))
  const labels = s('cifar100-labels')
  if (labels !== undefined) {
    if (labels !== 'fine' && labels !== 'coarse') throw new UsageError(`--cifar100-labels: '${labels}' is not fine or coarse`)
    opts.cifar100Labels = labels
  }
  const task = s('task')
  if (task !== undefined) {
    if (task !== 'classification' && task !== 'regression') throw new UsageError(`--task: '${task}' is not classification or regression`)
    opts.task = task
  }
  if (s('max-bytes') !== undefined) opts.maxBytes = parseBytes(s('max-bytes')!)
  return opts
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40 }

/** "8000000000", "8G", "8GB", "6GiB" → bytes */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?$/i.exec(text.trim())
  const bytes = m ? Math.round(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!) : NaN
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`--max-bytes: '${text}' is not a number of bytes, e.g. 8000000000 or 8G`)
  return bytes
}

class ImportCancelled extends Error {}

/**
 * Imports through a short-lived service on the same database. Ctrl-C (or SIGTERM) cancels the
 * import; once it has stopped and removed its temporaries the process exits 130.
 */
async function importVia(db: string | undefined, path: string, options: DatasetImportOptions, quiet: boolean): Promise<Results['datasets.import']> {
  return withService(db, async (service) => {
    const bar = quiet ? null : createProgressBar()
    const off = service.onEvent((e) => {
      if (e.type === 'dataset:progress' && bar && e.phase === 'reading')
        bar.update(e.done, e.total ?? e.done + 1, `${e.done.toLocaleString('en-US')}${e.total ? ` / ${e.total.toLocaleString('en-US')}` : ''} examples`, null)
    })
    let interrupted = false
    const cancel = () => {
      interrupted = true
      void service.call('datasets.cancel', { path }).catch(() => {})
    }
    process.once('SIGINT', cancel)
    process.once('SIGTERM', cancel)
    try {
      return await service.call('datasets.import', { path, options })
    } catch (err) {
      if (interrupted && err instanceof ApiError && err.code === 'conflict') throw new ImportCancelled(err.message)
      throw err
    } finally {
      process.off('SIGINT', cancel)
      process.off('SIGTERM', cancel)
      off()
      bar?.end()
    }
  }).catch((err: unknown) => {
    // After the service closed (temporaries removed): say so once and exit 130, as a shell expects after Ctrl-C.
    if (err instanceof ImportCancelled) {
      process.stderr.write(`spline-lab: ${err.message}; nothing was kept\n`)
      process.exit(130)
    }
    throw err
  })
}

export function describeDataset(d: DatasetInfo): string {
  const kind = d.task === 'regression' ? 'regression' : `${d.numClasses} classes`
  return `${d.id} '${d.name}' (${d.format}): ${d.trainCount.toLocaleString('en-US')} train / ${d.testCount.toLocaleString('en-US')} test, ${d.inputShape.join('×')}, ${kind}`
}

export async function cmdImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, IMPORT_FLAGS)
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `unexpected argument '${positionals[1]}'` : 'import: give the dataset folder, e.g. spline-lab import ~/data/fashion-mnist',
    )
  const json = values.json === true
  const result = await importVia(values.db, positionals[0]!, importOptions(values), json)
  const d = result.dataset
  if (json) {
    process.stdout.write(JSON.stringify({ ...d, cached: result.cached, previousId: result.previousId }) + '\n')
    return 0
  }
  process.stdout.write(`imported ${describeDataset(d)}${result.cached ? ' (unchanged: cache reused)' : ''}\n`)
  if (result.previousId) process.stdout.write(`the folder changed since its import as ${result.previousId}\n`)
  for (const w of d.warnings ?? []) process.stdout.write(`  warning: ${w}\n`)
  return 0
}

const isDatasetName = (v: string) => /^(builtin|ds):/.test(v)

/**
 * run/sweep `--dataset <folder>`: import it first and put its `ds:<id>` in the flags; ids and
 * built-in names are left for the config schema to check.
 */
export async function resolveDatasetFlag(values: { dataset?: unknown; db?: unknown; json?: unknown }): Promise<void> {
  const v = values.dataset
  if (typeof v !== 'string' || isDatasetName(v)) return
  if (!existsSync(v) || !statSync(v).isDirectory()) {
    throw new UsageError(`--dataset: '${v}' is not a built-in (${BUILTIN_DATASETS.join(', ')}), an imported ds:<id>, or an existing folder`)
  }
  const result = await importVia(typeof values.db === 'string' ? values.db : undefined, v, {}, values.json === true)
  if (values.json !== true) process.stderr.write(`dataset: ${describeDataset(result.dataset)}${result.cached ? ' (cache reused)' : ''}\n`)
  values.dataset = result.dataset.id
}
