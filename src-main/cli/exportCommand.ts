/**
 * `export <runId|sweepId>… --format html|pdf|csv|json|model|md --out PATH|-`: a report or data files
 * of runs, a selection or sweeps. html / pdf / json are one file (`--out` names it, or a folder
 * to put it in); csv and model are several (`--out` is a folder).
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { ApiError, EXPORT_FORMATS, type ExportFormat } from '../contract/api'
import { decodeExportFile, writeExportFiles } from '../service/exportFiles'
import { UsageError, parseFlags } from './args'
import { withService } from './service'

export const EXPORT_USAGE = `export  <runId|sweepId>... --format ${EXPORT_FORMATS.join('|')} --out PATH|- [--db FILE] [--json]`

const SINGLE: ExportFormat[] = ['html', 'pdf', 'json', 'md']

export async function cmdExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { format: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } })
  if (!positionals.length) throw new UsageError('export: name at least one run id or sweep id (see `spline-lab runs`)')
  const format = (values.format ?? 'html') as ExportFormat
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format: must be one of ${EXPORT_FORMATS.join(', ')}`)
  // `--out -`: a one-file format to stdout (the Markdown tables of a study)
  if (values.out === '-' && !SINGLE.includes(format)) throw new UsageError(`--out -: only ${SINGLE.join(', ')} are one file`)
  if (!values.out) throw new UsageError(`--out: where to write (${SINGLE.includes(format) ? 'a file, or a folder to put it in' : 'a folder'})`)
  const result = await withService(values.db, (service) =>
    service.call('runs.export', { ids: positionals, format }).catch((err: unknown) => {
      // An id that names nothing is bad input (exit 2), like a bad flag.
      if (err instanceof ApiError && err.code === 'not-found') throw new UsageError(err.message)
      throw err
    }),
  )
  if (values.out === '-') {
    process.stdout.write(decodeExportFile(result.files[0]!))
    for (const note of result.notes) process.stderr.write(`note: ${note}\n`)
    return 0
  }
  const out = resolve(values.out)
  const written = writeExportFiles(result.files, out, SINGLE.includes(format) && !isFolder(values.out, out))
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`)
  if (values.json) process.stdout.write(JSON.stringify({ format, files: written, notes: result.notes }) + '\n')
  else for (const path of written) process.stdout.write(`${path}\n`)
  return 0
}

function isFolder(raw: string, path: string): boolean {
  return raw.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())
}
