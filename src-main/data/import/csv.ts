/**
 * CSV tables: a header row, numeric feature columns and one label column (named by the user, or
 * the column called label/class/target/y, else the last). Integer labels with few values and
 * text labels make classes; other numbers make a regression target. Streamed line by line; a
 * bad row is reported and skipped.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { ImportError, fmt, fsReason } from './errors'
import { type FormatPlan, type ReadContext, type ReadOutcome, readHead, splitOfName } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION } from './split'
import { createRng } from '../../core/random'
import { byName, type FileEntry } from './walk'

const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'y']
const MAX_CLASSES = 100

/** Splits one CSV line (commas, optional double quotes with "" escapes). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',').map((s) => s.trim())
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

/** A text file whose first line has at least two comma-separated fields. */
function looksLikeCsv(entry: FileEntry): boolean {
  if (entry.size === 0) return false
  const head = readHead(entry, 4096)
  if (head.some((b) => b === 0)) return false
  const first = head.toString('utf8').split(/\r?\n/)[0] ?? ''
  return splitCsvLine(first).length >= 2
}

export function planCsv(top: FileEntry[]): FormatPlan | null {
  const csvs = top.filter((f) => /\.(csv|txt)$/i.test(f.rel) && looksLikeCsv(f)).sort((a, b) => byName(a.rel, b.rel))
  if (!csvs.length) return null
  const train = csvs.filter((f) => splitOfName(f.rel) === 'train')
  const test = csvs.filter((f) => splitOfName(f.rel) === 'test')
  let files: { entry: FileEntry; split: 'train' | 'test' | null }[]
  if (train.length === 1 && test.length === 1)
    files = [
      { entry: train[0]!, split: 'train' },
      { entry: test[0]!, split: 'test' },
    ]
  else if (csvs.length === 1) files = [{ entry: csvs[0]!, split: null }]
  else throw new ImportError(csvs.map((f) => f.rel).join(', '), 'several CSV files: keep one, or name them train.csv and test.csv')
  return { format: 'csv', files: files.map((f) => f.entry), read: (ctx) => readCsv(ctx, files) }
}

async function readCsv(ctx: ReadContext, files: { entry: FileEntry; split: 'train' | 'test' | null }[]): Promise<ReadOutcome> {
  const seed = ctx.options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = ctx.options.testFraction ?? DEFAULT_TEST_FRACTION
  const rng = createRng(seed)
  const labels: { train: string[]; test: string[] } = { train: [], test: [] }
  let columns: string[] | null = null
  let labelIndex = -1
  let rows = 0
  for (const { entry, split } of files) {
    const lines = createInterface({ input: createReadStream(entry.abs, { encoding: 'utf8' }), crlfDelay: Infinity })
    let lineNo = 0
    let header: string[] | null = null
    try {
      for await (const raw of lines) {
        lineNo++
        const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw
        if (!line.trim()) continue
        const fields = splitCsvLine(line)
        if (!header) {
          header = fields
          if (fields.every((f) => f !== '' && Number.isFinite(Number(f))))
            throw new ImportError(entry.rel, 'has no header row (line 1 holds numbers); add a first line naming the columns')
          if (!columns) {
            columns = header
            labelIndex = pickLabel(entry.rel, header, ctx.options.labelColumn)
            ctx.writer.begin('float32', header.length - 1, header.length - 1)
          } else if (header.join(',') !== columns.join(','))
            throw new ImportError(entry.rel, `columns differ from ${files[0]!.entry.rel}'s (${columns.join(', ')})`)
          continue
        }
        if (fields.length !== header.length) {
          ctx.problems.warn(entry.rel, `line ${fmt(lineNo)} has ${fields.length} fields, the header ${header.length}; row skipped`)
          continue
        }
        const x = new Float32Array(header.length - 1)
        let bad = -1
        for (let c = 0, k = 0; c < fields.length; c++) {
          if (c === labelIndex) continue
          const v = fields[c] === '' ? NaN : Number(fields[c])
          if (!Number.isFinite(v)) bad = c
          x[k++] = v
        }
        if (bad >= 0) {
          ctx.problems.warn(entry.rel, `line ${fmt(lineNo)}: column '${header[bad]}' is '${fields[bad]!.slice(0, 20)}', not a number; row skipped`)
          continue
        }
        const label = fields[labelIndex]!
        if (label === '') {
          ctx.problems.warn(entry.rel, `line ${fmt(lineNo)}: the label is empty; row skipped`)
          continue
        }
        const s = split ?? (rng.next() < fraction ? 'test' : 'train')
        ctx.writer.add(s, x)
        labels[s].push(label)
        if (++rows % 5000 === 0) ctx.progress(rows, null)
      }
    } catch (err) {
      if (err instanceof ImportError) throw err
      throw new ImportError(entry.rel, fsReason(err))
    }
    if (!header) throw new ImportError(entry.rel, 'is empty')
  }
  ctx.progress(rows, rows)
  const all = [...labels.train, ...labels.test]
  const numeric = all.every((l) => Number.isFinite(Number(l)))
  const distinct = [...new Set(all)]
  const integerClasses = numeric && all.every((l) => Number.isInteger(Number(l))) && distinct.length <= MAX_CLASSES
  const split = files[0]!.split ? null : { seed, testFraction: fraction }
  const inputShape = [columns!.length - 1]
  const detail = `CSV, label column '${columns![labelIndex]}'`
  if (numeric && !integerClasses) {
    return {
      task: 'regression',
      inputShape,
      classNames: [],
      yTrain: Float32Array.from(labels.train, Number),
      yTest: Float32Array.from(labels.test, Number),
      split,
      detail,
    }
  }
  if (distinct.length > MAX_CLASSES)
    throw new ImportError(
      files[0]!.entry.rel,
      `label column '${columns![labelIndex]}' has ${fmt(distinct.length)} different values; at most ${MAX_CLASSES} classes (or numbers, for regression)`,
    )
  const classNames = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort(byName)
  const index = new Map(classNames.map((n, i) => [n, i]))
  return {
    task: 'classification',
    inputShape,
    classNames,
    yTrain: Int32Array.from(labels.train, (l) => index.get(l)!),
    yTest: Int32Array.from(labels.test, (l) => index.get(l)!),
    split,
    detail,
  }
}

function pickLabel(rel: string, header: string[], wanted: string | undefined): number {
  if (header.length < 2) throw new ImportError(rel, 'needs at least one feature column and a label column')
  if (wanted !== undefined) {
    const i = header.indexOf(wanted)
    if (i < 0) throw new ImportError(rel, `has no column '${wanted}' (columns: ${header.slice(0, 20).join(', ')})`)
    return i
  }
  const i = header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase()))
  return i >= 0 ? i : header.length - 1
}
