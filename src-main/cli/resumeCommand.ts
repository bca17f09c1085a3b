/**
 * `resume <runId>`: continues an interrupted, failed or cancelled run from its last committed
 * checkpoint and follows it to the end, like `run` (same output, --json, --events, exit codes).
 */
import { ApiError } from '../contract/api'
import { UsageError, parseFlags } from './args'
import { followAndPrint } from './runCommand'
import { withService } from './service'

export const RESUME_USAGE = 'resume  <runId> [--db FILE] [--json] [--events]'

export async function cmdResume(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { db: { type: 'string' }, json: { type: 'boolean' }, events: { type: 'boolean' } })
  if (positionals.length !== 1) throw new UsageError('resume takes one run id: spline-lab resume <runId> (spline-lab runs lists them)')
  const runId = positionals[0]!
  const json = values.json === true
  const started = Date.now()
  // Opening the service marks runs of dead processes interrupted, so a killed run resumes at once.
  return withService(values.db, async (service) => {
    let fromEpoch: number
    try {
      const r = await service.call('runs.resume', { runId })
      fromEpoch = r.fromEpoch
      if (!json) process.stderr.write(`resuming run ${runId} ${fromEpoch ? `after epoch ${fromEpoch}` : 'from the start'}${r.note ? ` (${r.note})` : ''}\n`)
    } catch (err) {
      // Unknown run, or one that cannot resume (finished, running elsewhere): a usage problem.
      if (err instanceof ApiError && err.code !== 'internal') throw new UsageError(err.message)
      throw err
    }
    return followAndPrint(service, runId, json, values.events === true, started, { resumedFrom: fromEpoch })
  })
}
