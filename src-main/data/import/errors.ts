/**
 * Import problems. An ImportError stops the import with one line naming the file and what is
 * wrong; `Problems` collects what was reported and skipped, so one bad image never costs the
 * whole folder. Neither carries a stack trace to the user, and neither lets a file name break
 * the one line: control characters in names are written as escapes.
 */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${oneLine(file)}: ${oneLine(problem)}`)
    this.name = 'ImportError'
  }
}

/** The import was cancelled (datasets.cancel, Ctrl-C); its temporaries are gone when this is thrown out. */
export class ImportCancelled extends Error {
  constructor(readonly path: string) {
    super(`${oneLine(path)}: the import was cancelled`)
    this.name = 'ImportCancelled'
  }
}

/**
 * The app's data folder cannot take the cache (full disk, read-only, permissions): not the
 * dropped folder's fault. The name is the one the CLI prints as a one-line environment problem.
 */
export class DataFolderWriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    what: string,
    reason = writeReason(code),
  ) {
    const advice = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space or choose another data folder' : 'choose another data folder'
    super(`${oneLine(path)}: cannot ${what}: ${reason}; ${advice} (SPLINE_LAB_HOME, or --db in the CLI)`)
    this.name = 'DataFolderError'
  }
}

/** Wraps a failed write of ours (cache, temporaries) as a DataFolderWriteError naming `path`; other errors pass. */
export function asWriteError(err: unknown, path: string, what: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code
  if (err instanceof DataFolderWriteError || !code || !WRITE_CODES.has(code)) return err
  return new DataFolderWriteError(path, code, what)
}

const WRITE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EFBIG', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOENT', 'EMFILE', 'ENFILE'])

/** The reason of a failed write in words, e.g. ENOSPC → 'the disk is full (ENOSPC)'. */
export function writeReason(code: string | undefined): string {
  const words: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EIO: 'I/O error',
    EFBIG: 'the file would be too large for this file system',
    ENOTDIR: 'a file is in the way of a folder',
    EISDIR: 'a folder is in the way of the file',
    EEXIST: 'something is in the way',
    ENOENT: 'the folder vanished',
    EMFILE: 'too many open files',
    ENFILE: 'too many open files',
  }
  return code ? `${words[code] ?? 'write failed'} (${code})` : 'write failed'
}

const MAX_LISTED = 50

export class Problems {
  private readonly messages: string[] = []
  private dropped = 0

  warn(file: string, problem: string): void {
    this.note(`${file}: ${problem}`)
  }

  /** a folder-level note with no single file to blame */
  note(message: string): void {
    if (this.messages.length < MAX_LISTED) this.messages.push(oneLine(message))
    else this.dropped++
  }

  get count(): number {
    return this.messages.length + this.dropped
  }

  /** the first problem reported, for a fatal message that would otherwise hide why */
  get first(): string | undefined {
    return this.messages[0]
  }

  list(): string[] {
    return this.dropped ? [...this.messages, `… and ${this.dropped} more problems`] : [...this.messages]
  }
}

/**
 * Control characters (a newline could start a fake second line), the line and paragraph
 * separators and the bidirectional overrides (which reorder what a terminal shows) as escapes.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
    const code = ch.charCodeAt(0)
    return named[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  })
}

/** The reason of a failed fs call in words, e.g. EACCES → 'permission denied'. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)'
    case 'EISDIR':
      return 'is a folder, not a file'
    case 'ENOENT':
      return 'does not exist (removed during the import?)'
    case 'ELOOP':
      return 'is a symlink loop'
    case 'EIO':
      return 'cannot be read (I/O error)'
    case 'EAGAIN':
    case 'ENXIO':
      return 'is not a regular file (a pipe, socket or device)'
    case 'EMFILE':
    case 'ENFILE':
      return 'cannot be opened (too many open files)'
    case 'ENAMETOOLONG':
      return 'cannot be opened (the path is too long)'
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`
  }
}

/** 60000 → "60,000", so counts in messages read at a glance */
export const fmt = (n: number): string => n.toLocaleString('en-US')

/** 4294967296 → "4.3 GB" (decimal units, as file managers show sizes) */
export function bytesText(n: number): string {
  if (n < 1000) return `${n} bytes`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]}`
}
