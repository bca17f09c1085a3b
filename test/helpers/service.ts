import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ApiEvent, RunStatus } from '../../src-main/contract/api'
import { createService } from '../../src-main/service/createService'
import type { SplineLabService } from '../../src-main/service/service'
import { WORKER_BUNDLE } from './tmp'

/** A real service (store + trainer worker thread) on a fresh db in `dir`. */
export function realService(dir: string) {
  if (!existsSync(WORKER_BUNDLE)) throw new Error(`${WORKER_BUNDLE} is missing: run 'npm run build' before the integration tests`)
  const events: ApiEvent[] = []
  const { service, store } = createService({ dbPath: join(dir, 'spline-lab.db'), workerPath: WORKER_BUNDLE })
  service.onEvent((e) => events.push(e))
  return { service, store, events }
}

export function waitForStatus(service: SplineLabService, runId: string, statuses: RunStatus[], timeoutMs = 120_000): Promise<RunStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not reach ${statuses.join('/')} in ${timeoutMs} ms`)), timeoutMs)
    const check = (status: RunStatus) => {
      if (!statuses.includes(status)) return false
      clearTimeout(timer)
      off()
      resolve(status)
      return true
    }
    const off = service.onEvent((e) => {
      if (e.type === 'run:status' && e.runId === runId) check(e.summary.status)
    })
    void service.call('runs.get', { runId }).then((r) => check(r.summary.status))
  })
}
