/**
 * `spline-lab` command line: run, runs, serve. Exit codes: 0 ok, 2 bad input (one line on
 * stderr), 1 internal error or failed run. With --json the last stdout line is one JSON object.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { ApiError, RUN_FIELDS, criteriaHelp } from '../contract/api'
import { defaultDbPath } from '../service/createService'
import { startServer } from '../server/server'
import { UsageError, fieldUsage, parseFlags } from './args'
import { cmdRun, cmdSweep } from './runCommand'
import { cmdInspect } from './inspectCommand'
import { IMPORT_USAGE, cmdImport } from './importCommand'
import { EXPORT_USAGE, cmdExport } from './exportCommand'
import { RESUME_USAGE, cmdResume } from './resumeCommand'
import { BENCH_USAGE, cmdBench } from './benchCommand'
import { setting } from '../settings/settings'
import { builtFile, exitWhenFlushed, ignoreClosedReaders, withService } from './service'

const USAGE = `usage: spline-lab <command> [flags]

commands:
  run     [run flags] [--db FILE] [--json] [--events]
                                     train one run (dense, spline-eb, eb-bn, prune-after, prune-at-init)
  sweep   --methods a,b --ratios 0.3,0.5,0.7 --seeds 3 [--criteria c,d] [--Ps 0,0.5,1]
          [--equal-macs layerwise|target] [run flags] [--db FILE] [--json]
                                     a grid of runs under one sweep id; --equal-macs: every criterion
                                     at the same MACs per ratio (layerwise widths, or each run's ratio
                                     solved for the MACs of layerwise pruning)
  inspect --model M --input H,W,C --classes K [--width X] [--json]   MACs, FLOPs, params per layer
  ${IMPORT_USAGE}
                                     import a dataset folder (IDX, CIFAR, images, CSV, .npy); --dataset takes folders too
  runs    [--db FILE] [--json]       list runs
  ${EXPORT_USAGE}
                                     a run, selection or sweep as a report (html, pdf), data (csv, json) or TF.js model
  ${RESUME_USAGE}
                                     continue an interrupted, failed or cancelled run from its last checkpoint
  serve   [--port N] [--db FILE]     browser mode on 127.0.0.1 (prints the URL)
  ${BENCH_USAGE}
                                     training speed vs PyTorch, a Fashion-MNIST epoch, spline-watch cost, SQLite and report times

run flags (every field of a run config, all optional; sweep takes them too):
${fieldUsage(RUN_FIELDS).join('\n')}

criteria (--criterion C, --criteria c,d; default per method):
${criteriaHelp('  ')}

The database defaults to ${defaultDbPath()} ($SPLINE_LAB_HOME/spline-lab.db); environment variables: docs/settings.md.`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return cmdRun(rest)
    case 'sweep':
      return cmdSweep(rest)
    case 'inspect':
      return cmdInspect(rest)
    case 'import':
      return cmdImport(rest)
    case 'runs':
      return cmdRuns(rest)
    case 'resume':
      return cmdResume(rest)
    case 'export':
      return cmdExport(rest)
    case 'serve':
      return cmdServe(rest)
    case 'bench':
      return cmdBench(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n')
      return command === undefined ? 2 : 0
    default:
      throw new UsageError(`unknown command '${command}' (try: run, sweep, inspect, import, runs, resume, serve, bench)`)
  }
}

async function cmdRuns(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { db: { type: 'string' }, json: { type: 'boolean' } })
  const runs = await withService(values.db, (service) => {
    if (service.readOnly) process.stderr.write(`spline-lab: note: the database is open read-only (${service.readOnly}); listing only\n`)
    return service.call('runs.list', {})
  })
  if (values.json) process.stdout.write(JSON.stringify(runs) + '\n')
  else if (runs.length === 0) process.stdout.write('no runs yet\n')
  else {
    for (const r of runs) {
      const acc = r.testAccuracy == null ? '   –  ' : `${(r.testAccuracy * 100).toFixed(1).padStart(5)}%`
      process.stdout.write(`${r.id}  ${r.status.padEnd(11)} ${acc}  ${r.epochsDone}/${r.epochs} ep  ${r.name}\n`)
    }
  }
  return 0
}

async function cmdServe(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { port: { type: 'string' }, db: { type: 'string' }, open: { type: 'boolean' } })
  const port = values.port === undefined ? 5183 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: '${values.port}' is not a port number`)
  const staticDir = rendererDir()
  return withService(
    values.db,
    async (service) => {
      const server = await startServer({ api: service, staticDir, port }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new UsageError(`--port: ${port} is already in use (try --port 0 for any free port)`)
        throw err
      })
      process.stdout.write(`Spline Lab is running at ${server.url}\n`)
      if (values.open) openInBrowser(server.url)
      await new Promise<void>((done) => {
        process.once('SIGINT', done)
        process.once('SIGTERM', done)
      })
      await server.close()
      return 0
    },
    'browser',
  )
}

/** Best effort: the desktop's URL opener; the URL is printed either way. */
function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' })
    child.on('error', () => process.stderr.write(`(could not start ${opener}; open the URL above in a browser)\n`))
    child.unref()
  } catch {
    // the URL is already on stdout
  }
}

function rendererDir(): string {
  const index = builtFile('renderer/index.html')
  if (!index) throw new Error(`the built UI was not found next to ${dirname(fileURLToPath(import.meta.url))}; run 'npm run build'`)
  return dirname(index)
}

ignoreClosedReaders()
main(process.argv.slice(2)).then(exitWhenFlushed, (err: unknown) => {
  if (err instanceof UsageError || (err instanceof ApiError && err.code === 'bad-request')) {
    process.stderr.write(`spline-lab: ${err.message}\n`)
    return exitWhenFlushed(2)
  }
  if (err instanceof Error && err.name === 'DataFolderError') {
    process.stderr.write(`spline-lab: ${err.message}\n`)
    return exitWhenFlushed(1)
  }
  process.stderr.write(`spline-lab: internal error: ${err instanceof Error ? err.message : String(err)}\n`)
  if (setting('debug')) console.error(err)
  exitWhenFlushed(1)
})
