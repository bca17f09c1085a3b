/**
 * `spline-lab` command line: run, runs, serve. Exit codes: 0 ok, 2 bad input (one line on
 * stderr), 1 internal error or failed run. With --json the last stdout line is one JSON object.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { ApiError, type RunSummary } from '../contract/api'
import { createService, defaultDbPath } from '../service/createService'
import { startServer } from '../server/server'
import { RUN_FLAGS, UsageError, parseFlags, runConfigFromFlags } from './args'
import { createProgressBar, formatSeconds } from './progressBar'

const USAGE = `usage: spline-lab <command> [flags]

commands:
  run    --dataset builtin:xshape --model mlp --method dense [--hidden 20,20] [--epochs N]
         [--batch N] [--lr X] [--seed N] [--probe N] [--backend auto|wasm|cpu|tensorflow]
         [--name S] [--db FILE] [--json]           train one run and print its result
  runs   [--db FILE] [--json]                       list runs
  serve  [--port N] [--db FILE]                     browser mode on 127.0.0.1 (prints the URL)

The database defaults to ${defaultDbPath()} ($SPLINE_LAB_HOME/spline-lab.db).`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return cmdRun(rest)
    case 'runs':
      return cmdRuns(rest)
    case 'serve':
      return cmdServe(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n')
      return command === undefined ? 2 : 0
    default:
      throw new UsageError(`unknown command '${command}' (try: run, runs, serve)`)
  }
}

async function cmdRun(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, RUN_FLAGS)
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`)
  const config = runConfigFromFlags(values)
  const json = values.json === true
  const { service } = createService({ dbPath: values.db ? resolve(values.db) : undefined, transport: 'cli' })
  const started = Date.now()
  const bar = json ? null : createProgressBar()
  try {
    let runId = ''
    const finished = new Promise<RunSummary>((done) => {
      service.onEvent((e) => {
        if (e.type === 'run:progress' && e.runId === runId && bar) {
          const done = (e.epoch - 1) * e.batches + e.batch
          bar.update(done, config.epochs * e.batches, `epoch ${e.epoch}/${config.epochs}`, e.etaSeconds)
        }
        if (e.type === 'run:status' && e.runId === runId && ['finished', 'failed', 'cancelled'].includes(e.summary.status)) {
          done(e.summary)
        }
      })
    })
    runId = (await service.call('runs.start', { config })).runId
    const cancel = () => void service.call('runs.cancel', { runId })
    process.once('SIGINT', cancel)
    process.once('SIGTERM', cancel)
    const summary = await finished
    bar?.end()
    const out = {
      runId,
      status: summary.status,
      backend: summary.backend,
      dataset: summary.dataset,
      model: summary.model,
      method: summary.method,
      epochs: summary.epochsDone,
      testAccuracy: summary.testAccuracy,
      ebEpoch: summary.ebEpoch,
      wallSeconds: (Date.now() - started) / 1000,
      error: summary.error,
    }
    if (json) process.stdout.write(JSON.stringify(out) + '\n')
    else {
      const acc = summary.testAccuracy == null ? '–' : `${(summary.testAccuracy * 100).toFixed(1)}%`
      process.stdout.write(
        `run ${runId} ${summary.status} on ${summary.backend ?? '?'}: ${summary.epochsDone} epochs, test accuracy ${acc}, ` +
          `spline EB epoch ${summary.ebEpoch ?? 'not drawn'}, ${formatSeconds(out.wallSeconds)}\n`,
      )
      if (summary.error) process.stderr.write(`error: ${summary.error}\n`)
    }
    return summary.status === 'finished' ? 0 : summary.status === 'cancelled' ? 130 : 1
  } finally {
    await service.close()
  }
}

async function cmdRuns(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { db: { type: 'string' }, json: { type: 'boolean' } })
  const { service } = createService({ dbPath: values.db ? resolve(values.db) : undefined })
  try {
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
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await server.close()
  await service.close()
  return 0
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
    process.stderr.write(`spline-lab: internal error: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.SPLINE_LAB_DEBUG) console.error(err)
    process.exit(1)
  },
)
