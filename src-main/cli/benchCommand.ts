/**
 * `spline-lab bench`: launches the bench, a separate bundle built from bench/ (out/bench/run.js,
 * by `npm run build` or `npm run bench`). The bench consumes the product; the product never
 * imports it. It runs as a child of this same Node (or Electron-as-Node) binary, so its own
 * child processes, its flag errors (one line, exit 2) and its exit code are exactly those of
 * `npm run bench`.
 */
import { spawn } from 'node:child_process'
import { UsageError } from './args'
import { builtFile } from './service'

export const BENCH_USAGE = `bench   [--quick] [--json] [--models mlp,cnn,vgg11] [--sections …] [--no-torch] [--out DIR] [--report FILE]`

export async function cmdBench(argv: string[]): Promise<number> {
  if (argv.includes('--child')) throw new UsageError('--child is internal to the bench')
  const script = builtFile('bench/run.js')
  if (script === null) throw new Error(`the built bench (out/bench/run.js) was not found; run 'npm run build'`)
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
