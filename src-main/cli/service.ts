/**
 * What every CLI command shares: the service opened on the command's database for the length of
 * the command, the built bundles found from wherever the CLI runs, and an exit that waits until
 * stdout and stderr have handed everything over.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createService } from '../service/createService'
import type { SplineLabService } from '../service/service'

/**
 * Opens the service on `db` (a --db value; else the default database), runs `use` with it and
 * closes it afterwards, also when `use` throws.
 */
export async function withService<T>(db: unknown, use: (service: SplineLabService) => Promise<T>, transport: 'cli' | 'browser' = 'cli'): Promise<T> {
  const { service } = createService({ dbPath: typeof db === 'string' && db ? resolve(db) : undefined, transport })
  try {
    return await use(service)
  } finally {
    await service.close()
  }
}

/**
 * A file of the build (`renderer/index.html`, `bench/run.js`, relative to out/), from the built
 * CLI (out/main/cli.js, or a chunk of it one folder down) or from the sources (src-main/cli).
 */
export function builtFile(path: string, from = dirname(fileURLToPath(import.meta.url))): string | null {
  return [join(from, '..', path), join(from, '..', '..', path), resolve(from, '../../out', path)].find((p) => existsSync(p)) ?? null
}

/**
 * A reader that went away (`… | head`) ends our output, not the command: write errors on stdout
 * and stderr are dropped instead of crashing with a stack trace. Called once at start.
 */
export function ignoreClosedReaders(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
}

/**
 * Ends the process with `code` once stdout and stderr have written everything: process.exit
 * right after a write drops what a pipe has not taken yet (everything past its 64 KiB buffer).
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  // an empty write completes after every write queued before it (or at once, with an error, on a closed pipe)
  for (const stream of [process.stdout, process.stderr]) stream.write('', done)
}
