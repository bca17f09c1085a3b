/**
 * Import problems. An ImportError stops the import with one line naming the file and what is
 * wrong; `Problems` collects what was reported and skipped, so one bad image never costs the
 * whole folder. Neither carries a stack trace to the user.
 */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`)
    this.name = 'ImportError'
  }
}

const MAX_LISTED = 50

export class Problems {
  private readonly messages: string[] = []
  private dropped = 0

  warn(file: string, problem: string): void {
    if (this.messages.length < MAX_LISTED) this.messages.push(`${file}: ${problem}`)
    else this.dropped++
  }

  /** a folder-level note with no single file to blame */
  note(message: string): void {
    if (this.messages.length < MAX_LISTED) this.messages.push(message)
    else this.dropped++
  }

  get count(): number {
    return this.messages.length + this.dropped
  }

  list(): string[] {
    return this.dropped ? [...this.messages, `… and ${this.dropped} more problems`] : [...this.messages]
  }
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
    default:
      return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`
  }
}

/** 60000 → "60,000", so counts in messages read at a glance */
export const fmt = (n: number): string => n.toLocaleString('en-US')
