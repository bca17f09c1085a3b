/**
 * `spline-lab bench`: the same harness as `npm run bench`, built by `npm run build` as
 * out/main/bench.js next to this CLI and run as a child of this same Node (or Electron-as-Node)
 * binary, so the bench's own child processes and its exit code behave exactly as under npm.
 * Flags are checked here first, so a typo is the CLI's usual one-line error (exit 2).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_USAGE, BenchUsageError, parseBenchArgs } from '../../bench/options'
import { UsageError } from './args'

export { BENCH_USAGE }

/** out/main/bench.js, beside the built CLI (cli.js, or a chunk of it one folder down). */
export function benchScript(from = dirname(fileURLToPath(import.meta.url))): string | null {
  return [join(from, 'bench.js'), join(from, '..', 'bench.js')].find((p) => existsSync(p)) ?? null
}

export async function cmdBench(argv: string[]): Promise<number> {
  let opts
  try {
    opts = parseBenchArgs(argv)
  } catch (err) {
    if (err instanceof BenchUsageError) throw new UsageError(err.message)
    throw err
  }
  if (opts.child !== null) throw new UsageError('--child is internal to the bench')
  const script = benchScript()
  if (script === null) throw new Error(`the built bench (bench.js) was not found next to the CLI; run 'npm run build'`)
  const child = spawn(process.execPath, [script, ...argv], {
    // stdout untouched: with --json it carries the one JSON document and nothing else
    stdio: 'inherit',
    env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
  })
  const stop = (signal: NodeJS.Signals): void => void child.kill(signal)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    return await new Promise<number>((done, fail) => {
      child.on('error', fail)
      child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)))
    })
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
