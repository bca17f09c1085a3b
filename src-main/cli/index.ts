/**
 * `spline-lab` command line: run, runs, serve. Exit codes: 0 ok, 2 bad input (one line on
 * stderr), 1 internal error or failed run. With --json the last stdout line is one JSON object.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { ApiError } from '../contract/api'
import { createService, defaultDbPath } from '../service/createService'
import { startServer } from '../server/server'
import { UsageError, parseFlags } from './args'
import { cmdRun, cmdSweep } from './runCommand'
import { cmdInspect } from './inspectCommand'
import { IMPORT_USAGE, cmdImport } from './importCommand'
import { EXPORT_USAGE, cmdExport } from './exportCommand'
import { RESUME_USAGE, cmdResume } from './resumeCommand'
import { BENCH_USAGE, cmdBench } from './benchCommand'

const USAGE = `usage: spline-lab <command> [flags]

commands:
  run     --dataset D --model M --method K [--criterion C --ratio R --scope S --P X --epochs N
          --batch N --lr X --seed N --probe N --width X --hidden 20,20 --retrain finetune|reinit
          --finetune N --bn-l1 S --eb-window W --eb-epsilon E --train-limit N --test-limit N
          --backend auto|tensorflow|webgpu|wasm|cpu --train-workers auto|N --name S --keep-checkpoints all|last] [--db FILE] [--json] [--events]
                                     train one run (dense, spline-eb, eb-bn, prune-after, prune-at-init)
  sweep   --dataset D --model M --methods a,b --ratios 0.3,0.5,0.7 --seeds 3 [--criteria c,d]
          [--Ps 0,0.5,1] [run flags] [--db FILE] [--json]      a grid of runs under one sweep id
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

The database defaults to ${defaultDbPath()} ($SPLINE_LAB_HOME/spline-lab.db).`

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
  const { service } = createService({ dbPath: values.db ? resolve(values.db) : undefined })
  try {
    if (service.readOnly) process.stderr.write(`spline-lab: note: the database is open read-only (${service.readOnly}); listing only\n`)
    const runs = await service.call('runs.list', {})
    if (values.json) process.stdout.write(JSON.stringify(runs) + '\n')
    else if (runs.length === 0) process.stdout.write('no runs yet\n')
    else {
      for (const r of runs) {
        const acc = r.testAccuracy == null ? '   –  ' : `${(r.testAccuracy * 100).toFixed(1).padStart(5)}%`
        process.stdout.write(`${r.id}  ${r.status.padEnd(11)} ${acc}  ${r.epochsDone}/${r.epochs} ep  ${r.name}\n`)
      }
    }
    return 0
  } finally {
    await service.close()
  }
}

async function cmdServe(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { port: { type: 'string' }, db: { type: 'string' }, open: { type: 'boolean' } })
  const port = values.port === undefined ? 5183 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: '${values.port}' is not a port number`)
  const staticDir = rendererDir()
  const { service } = createService({ dbPath: values.db ? resolve(values.db) : undefined, transport: 'browser' })
  const server = await startServer({ api: service, staticDir, port }).catch(async (err: NodeJS.ErrnoException) => {
    await service.close()
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
  await service.close()
  return 0
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
  const here = dirname(fileURLToPath(import.meta.url))
  const dir = [join(here, '../renderer'), join(here, '../../renderer'), resolve(here, '../../out/renderer')].find((d) => existsSync(join(d, 'index.html')))
  if (!dir) throw new Error(`the built UI was not found next to ${here}; run 'npm run build'`)
  return dir
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof ApiError && err.code === 'bad-request')) {
      process.stderr.write(`spline-lab: ${err.message}\n`)
      process.exit(2)
    }
    if (err instanceof Error && err.name === 'DataFolderError') {
      process.stderr.write(`spline-lab: ${err.message}\n`)
      process.exit(1)
    }
    process.stderr.write(`spline-lab: internal error: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.SPLINE_LAB_DEBUG) console.error(err)
    process.exit(1)
  },
)
