/**
 * `run` and `sweep`: queue runs on a service, follow them with a progress bar (or silently with
 * --json), and print the results. Ctrl-C cancels the runs in flight.
 */
import { CRITERIA, EQUAL_MACS, METHODS, backendLabel, type ApiEvent, type BackendInfo, type RunSummary } from '../contract/api'
import type { SplineLabService } from '../service/service'
import { resolveDatasetFlag } from './importCommand'
import { RUN_FLAGS, UsageError, numberList, parseFlags, runConfigFromFlags } from './args'
import { createProgressBar, formatSeconds } from './progressBar'
import { withService } from './service'

const DONE = ['finished', 'failed', 'cancelled']
type Flags = Record<string, string | boolean | undefined>

/** The JSON result of one run (the last stdout line of `run --json`). */
export function runResult(s: RunSummary, wallSeconds: number) {
  return {
    runId: s.id,
    status: s.status,
    backend: s.backend,
    dataset: s.dataset,
    model: s.model,
    method: s.method,
    criterion: s.criterion,
    ratio: s.ratio,
    epochs: s.epochsDone,
    ebEpoch: s.ebEpoch,
    bnEbEpoch: s.bnEbEpoch,
    testAccuracy: s.testAccuracy,
    params: s.params,
    macs: s.macs,
    flops: s.flops,
    trainFlops: s.trainFlops,
    wallSeconds,
    sweepId: s.sweepId,
    error: s.error,
  }
}

/**
 * Follows runs to their end. `events`: one JSON line per event on stderr instead of the bar; an
 * epoch line is written only after that epoch is committed, so a reader may rely on it.
 */
export function follow(service: SplineLabService, runIds: string[], json: boolean, events = false): Promise<RunSummary[]> {
  const bar = json || events ? null : createProgressBar()
  const done = new Map<string, RunSummary>()
  return new Promise((resolveAll) => {
    service.onEvent((e) => {
      if (events && 'runId' in e && runIds.includes(e.runId)) process.stderr.write(eventLine(e) + '\n')
      if (e.type === 'run:progress' && bar && runIds.includes(e.runId)) {
        const total = e.epochs ?? e.epoch
        const k = runIds.indexOf(e.runId)
        const label = `${runIds.length > 1 ? `run ${k + 1}/${runIds.length} ` : ''}epoch ${e.epoch}/${total} (${e.phase})`
        bar.update((e.epoch - 1) * e.batches + e.batch, total * e.batches, label, e.etaSeconds)
      }
      if (e.type === 'run:status' && runIds.includes(e.runId) && DONE.includes(e.summary.status)) {
        done.set(e.runId, e.summary)
        if (!json && runIds.length > 1) {
          bar?.end()
          process.stderr.write(`${describe(e.summary)}\n`)
        }
        if (done.size === runIds.length) {
          bar?.end()
          resolveAll(runIds.map((id) => done.get(id)!))
        }
      }
    })
  })
}

function eventLine(e: ApiEvent): string {
  switch (e.type) {
    case 'run:epoch':
      return JSON.stringify({
        event: 'epoch',
        runId: e.runId,
        epoch: e.metrics.epoch,
        phase: e.metrics.phase,
        trainLoss: e.metrics.trainLoss,
        testAccuracy: e.metrics.testAccuracy,
      })
    case 'run:status':
      return JSON.stringify({
        event: 'status',
        runId: e.runId,
        status: e.summary.status,
        epochsDone: e.summary.epochsDone,
        queuePosition: e.summary.queuePosition ?? null,
        error: e.summary.error,
      })
    case 'run:progress':
      return JSON.stringify({ event: 'progress', runId: e.runId, epoch: e.epoch, batch: e.batch, batches: e.batches, phase: e.phase })
    default:
      return JSON.stringify({ event: e.type })
  }
}

/** `backend`: the trainer's, for the adapter or thread count behind the run's stored backend name
 * (the adapter is known also when a run forced webgpu on a trainer that had skipped it) */
export function describe(s: RunSummary, backend?: BackendInfo | null): string {
  const on = backend && s.backend ? backendLabel({ ...backend, backend: s.backend }) : (s.backend ?? '?')
  const acc = s.testAccuracy == null ? '–' : `${(s.testAccuracy * 100).toFixed(1)}%`
  const pruned = s.criterion ? ` ${s.criterion} ${Math.round((s.ratio ?? 0) * 100)}%,` : ''
  const macs = s.macs == null ? '' : `, ${(s.macs / 1e6).toFixed(2)} MMAC`
  return `run ${s.id} ${s.status} on ${on}: ${s.method}${pruned} ${s.epochsDone} epochs, test accuracy ${acc}, spline EB ${s.ebEpoch ?? '–'}, BN EB ${s.bnEbEpoch ?? '–'}${macs}`
}

export function cancelOnSignal(service: SplineLabService, runIds: string[]): void {
  const cancel = () => runIds.forEach((runId) => void service.call('runs.cancel', { runId }).catch(() => {}))
  process.once('SIGINT', cancel)
  process.once('SIGTERM', cancel)
}

export async function cmdRun(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, RUN_FLAGS) as { values: Flags; positionals: string[] }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`)
  await resolveDatasetFlag(values)
  const config = runConfigFromFlags(values)
  const json = values.json === true
  const started = Date.now()
  return withService(values.db, async (service) => {
    const { runId } = await service.call('runs.start', { config })
    return followAndPrint(service, runId, json, values.events === true, started)
  })
}

/** Follows one run to its end, prints its result, and returns the exit code (0, 130 cancelled, 1). */
export async function followAndPrint(
  service: SplineLabService,
  runId: string,
  json: boolean,
  events: boolean,
  started: number,
  extra: Record<string, unknown> = {},
): Promise<number> {
  cancelOnSignal(service, [runId])
  const [summary] = await follow(service, [runId], json, events)
  const backend = await trainerBackend(service)
  const out = { ...runResult(summary!, (Date.now() - started) / 1000), ...(backend ? { backendInfo: backend } : {}), ...extra }
  if (json) process.stdout.write(JSON.stringify(out) + '\n')
  else {
    process.stdout.write(`${describe(summary!, backend)}, ${formatSeconds(out.wallSeconds)}\n`)
    if (summary!.error) process.stderr.write(`error: ${summary!.error}\n`)
  }
  return summary!.status === 'finished' ? 0 : summary!.status === 'cancelled' ? 130 : 1
}

/** The trainer's backend, attempts and adapter or threads; null if the trainer never started. */
async function trainerBackend(service: SplineLabService): Promise<BackendInfo | null> {
  try {
    const { version: _v, transport: _t, ...info } = await service.call('system.info', {})
    return info
  } catch {
    return null
  }
}

export async function cmdSweep(argv: string[]): Promise<number> {
  const flags = {
    ...RUN_FLAGS,
    methods: { type: 'string' },
    ratios: { type: 'string' },
    seeds: { type: 'string' },
    criteria: { type: 'string' },
    Ps: { type: 'string' },
    'equal-macs': { type: 'string' },
  } as const
  const { values, positionals } = parseFlags(argv, flags) as { values: Flags; positionals: string[] }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`)
  await resolveDatasetFlag(values)
  const config = runConfigFromFlags(values)
  const list = (flag: string, allowed: readonly string[]) => {
    const raw = values[flag] as string | undefined
    if (raw === undefined) return undefined
    const items = raw.split(',').map((x) => x.trim())
    const bad = items.find((x) => !allowed.includes(x))
    if (bad) throw new UsageError(`--${flag}: '${bad}' is not one of ${allowed.join(', ')}`)
    return items
  }
  const methods = (list('methods', METHODS) ?? ['dense', 'spline-eb', 'eb-bn']) as (typeof METHODS)[number][]
  const seeds = Number(values.seeds ?? 1)
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 20) throw new UsageError(`--seeds: '${values.seeds}' must be an integer from 1 to 20`)
  const request = {
    config,
    methods,
    ratios: numberList('ratios', values.ratios as string | undefined) ?? [0.3, 0.5, 0.7],
    seeds,
    criteria: list('criteria', CRITERIA) as (typeof CRITERIA)[number][] | undefined,
    Ps: numberList('Ps', values.Ps as string | undefined),
    name: values.name as string | undefined,
    equalMacs: list('equal-macs', EQUAL_MACS)?.[0] as (typeof EQUAL_MACS)[number] | undefined,
  }
  const json = values.json === true
  const started = Date.now()
  return withService(values.db, async (service) => {
    const { sweepId, runIds } = await service.call('runs.sweep', request)
    if (!json) process.stderr.write(`sweep ${sweepId}: ${runIds.length} runs queued\n`)
    cancelOnSignal(service, runIds)
    const summaries = await follow(service, runIds, json, values.events === true)
    const wall = (Date.now() - started) / 1000
    if (json) process.stdout.write(JSON.stringify({ sweepId, runs: summaries.map((s) => runResult(s, s.wallSeconds ?? 0)), wallSeconds: wall }) + '\n')
    else
      process.stdout.write(`sweep ${sweepId}: ${summaries.filter((s) => s.status === 'finished').length}/${runIds.length} finished in ${formatSeconds(wall)}\n`)
    return summaries.every((s) => s.status === 'finished') ? 0 : 1
  })
}
