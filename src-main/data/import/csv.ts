/**
 * CSV tables: a header row, numeric feature columns and one label column (named by the user, or
 * the column called label/class/target/y, else the last). Integer labels with few values and
 * text labels make classes; other numbers make a regression target. Streamed line by line; a
 * bad row is reported and skipped.
 */
import { createReadStream } from 'node:fs'
import { ImportError, fmt, fsReason } from './errors'
import { type FormatPlan, type ReadContext, type ReadOutcome, openRegular, readHead, splitOfName } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, growFloat, growInt } from './split'
import { createRng } from '../../core/random'
import { byName, type FileEntry } from './walk'

const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'y']
const MAX_CLASSES = 100
/** with task: 'classification' said explicitly */
const MAX_EXPLICIT_CLASSES = 1000

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

/** the longest line read: a "CSV" of one endless line must not be held in memory whole */
const MAX_LINE = 1 << 20
const MAX_COLUMNS = 100_000
/** rows are claimed from the budget in blocks of this many, as they are read */
const CLAIM_EVERY = 4096
/** text that Number() reads as NaN or infinity: never a label */
const NOT_FINITE = /^[+-]?(nan|inf|infinity)$/i

/** The lines of a file, streamed; throws ImportError on a line longer than MAX_LINE. */
async function* linesOf(entry: FileEntry): AsyncGenerator<string> {
  const stream = createReadStream('', { fd: openRegular(entry), highWaterMark: 1 << 16 })
  let parts: Buffer[] = []
  let partLength = 0
  let lineNo = 0
  const tooLong = () => new ImportError(entry.rel, `line ${fmt(lineNo + 1)} is longer than ${fmt(MAX_LINE)} bytes: not a CSV table this import reads`)
  const take = (piece: Buffer) => {
    const all = parts.length ? Buffer.concat([...parts, piece]) : piece
    parts = []
    partLength = 0
    lineNo++
    const end = all.length && all[all.length - 1] === 0x0d ? all.length - 1 : all.length
    return all.toString('utf8', 0, end)
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
        if (partLength + nl - from > MAX_LINE) throw tooLong()
        yield take(chunk.subarray(from, nl))
        from = nl + 1
      }
      if (partLength + chunk.length - from > MAX_LINE) throw tooLong()
      if (from < chunk.length) {
        parts.push(Buffer.from(chunk.subarray(from)))
        partLength += chunk.length - from
      }
    }
    if (partLength) yield take(Buffer.alloc(0))
  } finally {
    stream.destroy()
  }
}

/** Labels as read: an interned index per row (while there are few distinct values) and the value as a number. */
class LabelColumn {
  readonly names = new Map<string, number>()
  readonly index = { train: growInt(), test: growInt() }
  readonly value = { train: growFloat(), test: growFloat() }
  numeric = true
  integer = true
  firstText: { label: string; line: number } | null = null
  overflow = false

  constructor(private readonly maxNames: number) {}

  add(split: 'train' | 'test', label: string, line: number): void {
    const v = Number(label)
    if (!Number.isFinite(v)) {
      this.numeric = false
      this.firstText ??= { label, line }
    } else if (!Number.isInteger(v)) this.integer = false
    let i = this.names.get(label)
    if (i === undefined && !this.overflow) {
      if (this.names.size < this.maxNames) this.names.set(label, (i = this.names.size))
      else this.overflow = true
    }
    this.index[split].push(i ?? -1)
    this.value[split].push(v)
  }
}

async function readCsv(ctx: ReadContext, files: { entry: FileEntry; split: 'train' | 'test' | null }[]): Promise<ReadOutcome> {
  const seed = ctx.options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = ctx.options.testFraction ?? DEFAULT_TEST_FRACTION
  const task = ctx.options.task
  const rng = createRng(seed)
  const maxClasses = task === 'classification' ? MAX_EXPLICIT_CLASSES : MAX_CLASSES
  const labels = new LabelColumn(maxClasses)
  let columns: string[] | null = null
  let labelIndex = -1
  let rows = 0
  for (const { entry, split } of files) {
    let lineNo = 0
    let header: string[] | null = null
    try {
      for await (const raw of linesOf(entry)) {
        lineNo++
        const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw
        if (!line.trim()) continue
        const fields = splitCsvLine(line)
        if (!header) {
          header = fields
          if (fields.every((f) => f !== '' && Number.isFinite(Number(f))))
            throw new ImportError(entry.rel, 'has no header row (line 1 holds numbers); add a first line naming the columns')
          if (fields.length > MAX_COLUMNS) throw new ImportError(entry.rel, `has ${fmt(fields.length)} columns, more than ${fmt(MAX_COLUMNS)}`)
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
        if (NOT_FINITE.test(label)) {
          ctx.problems.warn(entry.rel, `line ${fmt(lineNo)}: the label is '${label}', not a finite number; row skipped`)
          continue
        }
        if (rows % CLAIM_EVERY === 0)
          ctx.budget.claim({
            file: entry.rel,
            what: `${fmt(rows + CLAIM_EVERY)} rows of ${fmt(x.length)} numbers (counted as read)`,
            bytes: CLAIM_EVERY * (x.length * 4 + 4),
            examples: CLAIM_EVERY,
          })
        const s = split ?? (rng.next() < fraction ? 'test' : 'train')
        ctx.writer.add(s, x)
        labels.add(s, label, lineNo)
        if (++rows % 5000 === 0) ctx.progress(rows, null)
      }
    } catch (err) {
      if (err instanceof ImportError || !(err as NodeJS.ErrnoException).code || (err as Error).name === 'DataFolderError') throw err
      throw new ImportError(entry.rel, fsReason(err))
    }
    if (!header) throw new ImportError(entry.rel, 'is empty')
  }
  ctx.progress(rows, rows)
  const split = files[0]!.split ? null : { seed, testFraction: fraction }
  const inputShape = [columns!.length - 1]
  const column = columns![labelIndex]!
  const detail = `CSV, label column '${column}'`
  const file = files[0]!.entry.rel
  const ask = 'say which with the import option task (CLI --task classification|regression)'
  const regression = () => ({
    task: 'regression' as const,
    inputShape,
    classNames: [],
    yTrain: labels.value.train.toArray(),
    yTest: labels.value.test.toArray(),
    split,
    detail,
  })
  if (task === 'regression') {
    if (!labels.numeric)
      throw new ImportError(
        file,
        `line ${fmt(labels.firstText!.line)}: the label is '${labels.firstText!.label.slice(0, 40)}', not a number, but task is regression`,
      )
    return regression()
  }
  if (task !== 'classification' && labels.numeric && !labels.integer) return regression()
  if (labels.overflow) {
    const what = labels.numeric ? 'whole numbers' : 'values'
    throw new ImportError(
      file,
      task === 'classification'
        ? `label column '${column}' has more than ${fmt(maxClasses)} different values: at most ${fmt(maxClasses)} classes`
        : labels.numeric
          ? `label column '${column}' holds more than ${fmt(maxClasses)} different ${what}: classes, or a regression target? ${ask}`
          : `label column '${column}' has more than ${fmt(maxClasses)} different values; at most ${MAX_CLASSES} classes (or numbers, for regression)`,
    )
  }
  const names = [...labels.names.keys()]
  const classNames = labels.numeric ? [...names].sort((a, b) => Number(a) - Number(b)) : [...names].sort(byName)
  const order = new Map(classNames.map((n, i) => [n, i]))
  const remap = Int32Array.from(names, (n) => order.get(n)!)
  const y = (g: ReturnType<typeof growInt>) => g.toArray().map((i) => remap[i]!)
  return {
    task: 'classification',
    inputShape,
    classNames,
    yTrain: y(labels.index.train),
    yTest: y(labels.index.test),
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
