/**
 * The UI and the CLI on one database at once: a `serve` process trains a run of its own and
 * answers list/get calls non-stop while a CLI process trains another run into the same file.
 * Neither may see an error (SQLITE_BUSY would surface as one) or lose a row.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startServe } from '../helpers/serve'
import { snapshotRun, startCli } from '../helpers/crash'
import { tempDir } from '../helpers/tmp'
import Database from 'better-sqlite3'

const tmp = tempDir('spline-conc-')
afterAll(() => tmp.cleanup())

describe('two processes, one database', () => {
  it('a CLI run writes while the server trains, lists and reads: no errors, no lost rows', async () => {
    const db = join(tmp.dir, 'spline-lab.db')
    const serve = await startServe(db, tmp.dir)
    const url = new URL(serve.url)
    const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    let id = 0
    const pending = new Map<number, (m: { result?: unknown; error?: { message: string } }) => void>()
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (typeof m.id === 'number') pending.get(m.id)?.(m)
    })
    const call = <T>(method: string, params: object) =>
      new Promise<{ result?: T; error?: { message: string } }>((resolve) => {
        pending.set(++id, resolve as never)
        ws.send(JSON.stringify({ id, method, params }))
      })
    try {
      const toy = { dataset: 'builtin:xshape', model: 'mlp', hidden: [16], epochs: 8, probeGrid: 20 }
      const own = await call<{ runId: string }>('runs.start', { config: toy })
      expect(own.error).toBeUndefined()
      const cli = startCli(
        ['run', '--dataset', 'builtin:spirals', '--model', 'mlp', '--hidden', '16', '--epochs', '8', '--probe', '400', '--db', db, '--json'],
        tmp.dir,
      )
      let reads = 0
      const errors: string[] = []
      let cliDone = false
      void cli.exit.then(() => (cliDone = true))
      while (!cliDone) {
        const list = await call<{ id: string }[]>('runs.list', {})
        if (list.error) errors.push(list.error.message)
        for (const r of list.result ?? []) {
          const got = await call('runs.get', { runId: r.id })
          if (got.error) errors.push(got.error.message)
          reads++
        }
      }
      expect((await cli.exit).code, cli.stderr()).toBe(0)
      const cliRun = JSON.parse(cli.stdout().trim().split('\n').at(-1)!)
      // The server's own run finishes too, with every epoch.
      for (;;) {
        const r = await call<{ summary: { status: string } }>('runs.get', { runId: own.result!.runId })
        if (r.result!.summary.status !== 'running' && r.result!.summary.status !== 'queued') break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(errors).toEqual([])
      expect(reads).toBeGreaterThan(10)
      const runs = (await call<{ id: string; status: string; epochsDone: number }[]>('runs.list', {})).result!
      expect(runs.map((r) => [r.id, r.status, r.epochsDone]).sort()).toEqual(
        [
          [cliRun.runId, 'finished', 8],
          [own.result!.runId, 'finished', 8],
        ].sort(),
      )
      const raw = new Database(db, { readonly: true })
      const perRun = raw.prepare(`SELECT run_id, COUNT(*) n, MIN(epoch) lo, MAX(epoch) hi FROM epoch_metrics GROUP BY run_id ORDER BY run_id`).all()
      expect(perRun).toEqual([cliRun.runId, own.result!.runId].sort().map((runId) => ({ run_id: runId, n: 8, lo: 1, hi: 8 })))
      raw.close()
      expect(snapshotRun(db).integrity).toBe('ok')
    } finally {
      ws.close()
      await serve.stop()
    }
  })
})
