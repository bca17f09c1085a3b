/**
 * A run stopped on purpose (Ctrl-C) or by the disk (full, read-only) ends cleanly with its data and
 * a clear reason, nothing corrupt, and resumes to the numbers of an uninterrupted run; deleting a
 * run removes its rows and its checkpoint files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createService } from '../../src-main/service/createService'
import { listCheckpoints } from '../../src-main/worker/checkpoint'
import { checkpointFolder, snapshotRun, startCli, tempFilesIn } from '../helpers/crash'
import { tempDir, WORKER_BUNDLE } from '../helpers/tmp'

const tmp = tempDir('spline-stop-')
afterAll(() => tmp.cleanup())
const ARGS = ['--dataset', 'builtin:xshape', '--model', 'mlp', '--hidden', '16', '--probe', '256', '--epochs', '6', '--seed', '5']
let reference: ReturnType<typeof snapshotRun>
let n = 0
function fresh() {
  const home = join(tmp.dir, `s${++n}`)
  mkdirSync(home)
  return { home, db: join(home, 'spline-lab.db') }
}

beforeAll(async () => {
  const { home, db } = fresh()
  const cli = startCli(['run', ...ARGS, '--db', db, '--json'], home)
  expect((await cli.exit).code, cli.stderr()).toBe(0)
  reference = snapshotRun(db)
})

async function resumeToEnd(home: string, db: string, runId: string) {
  const resume = startCli(['resume', runId, '--db', db, '--json'], home)
  expect((await resume.exit).code, resume.stderr()).toBe(0)
  const final = snapshotRun(db)
  expect(final.integrity).toBe('ok')
  expect(final.metrics).toEqual(reference.metrics)
  expect(final.summary).toEqual(reference.summary)
}

describe('stopping and failing cleanly', () => {
  it('Ctrl-C cancels the run, keeps its epochs, and the cancelled run resumes', async () => {
    const { home, db } = fresh()
    const cli = startCli(['run', ...ARGS, '--db', db, '--events'], home)
    await cli.when((e) => e.event === 'epoch' && e.epoch === 2)
    cli.proc.kill('SIGINT')
    expect((await cli.exit).code).toBe(130)
    const after = snapshotRun(db)
    expect(after.status).toBe('cancelled')
    expect(after.metrics.length).toBeGreaterThanOrEqual(2)
    expect(after.metrics).toEqual(reference.metrics.slice(0, after.metrics.length))
    await resumeToEnd(home, db, after.runId!)
  })

  it('a full disk while checkpointing fails the run with the reason; epochs before stay; it resumes', async () => {
    const { home, db } = fresh()
    const cli = startCli(['run', ...ARGS, '--db', db], home, { checkpointFail: 'ENOSPC', checkpointFailAt: 3 })
    expect((await cli.exit).code).toBe(1)
    expect(cli.stderr()).toMatch(/could not save the checkpoint of epoch 3 in .*: the disk is full \(ENOSPC\); the run stopped, epochs 1–2 are kept/)
    const after = snapshotRun(db)
    expect(after.integrity).toBe('ok')
    expect(after.status).toBe('failed')
    expect(after.metrics).toEqual(reference.metrics.slice(0, 2))
    expect(tempFilesIn(checkpointFolder(home, after.runId!))).toEqual([])
    await resumeToEnd(home, db, after.runId!)
  })

  it('an unwritable checkpoint folder stops the run before it trains, with a clear reason', async () => {
    const { home, db } = fresh()
    // Root ignores permissions, so there the failure is injected; elsewhere the folder is really read-only.
    const asRoot = process.getuid?.() === 0
    if (!asRoot) {
      mkdirSync(join(home, 'checkpoints'))
      chmodSync(join(home, 'checkpoints'), 0o500)
    }
    const cli = startCli(['run', ...ARGS, '--db', db], home, asRoot ? { checkpointFail: 'EACCES', checkpointFailAt: 0 } : undefined)
    expect((await cli.exit).code).toBe(1)
    expect(cli.stderr()).toMatch(/the data folder is not writable \((EACCES|EPERM|EROFS)\); the run did not start/)
    if (!asRoot) chmodSync(join(home, 'checkpoints'), 0o700)
    const after = snapshotRun(db)
    expect(after.integrity).toBe('ok')
    expect([after.status, after.metrics.length]).toEqual(['failed', 0])
  })

  it('a database that cannot be opened is one clear line, not a stack trace', async () => {
    const { home } = fresh()
    const cli = startCli(['runs', '--db', '/dev/null/nowhere/spline-lab.db'], home)
    expect((await cli.exit).code).toBe(1)
    expect(cli.stderr()).toMatch(/^spline-lab: cannot open the database \/dev\/null\/nowhere\/spline-lab\.db: .*choose another folder/)
    expect(cli.stderr().trim().split('\n')).toHaveLength(1)
  })

  it('deleting a run removes its rows and its checkpoint files', async () => {
    const { home, db } = fresh()
    const cli = startCli(['run', ...ARGS, '--epochs', '2', '--db', db, '--json'], home)
    expect((await cli.exit).code).toBe(0)
    const { runId } = snapshotRun(db)
    expect(listCheckpoints(home, runId!).map((c) => c.epoch)).toEqual([0, 1, 2])
    const { service } = createService({ dbPath: db, workerPath: WORKER_BUNDLE })
    try {
      expect(await service.call('runs.delete', { runId: runId! })).toEqual({ runId, deleted: true })
    } finally {
      await service.close()
    }
    expect(existsSync(checkpointFolder(home, runId!))).toBe(false)
    const after = snapshotRun(db)
    expect([after.runId, after.metrics.length, after.distances.length]).toEqual([undefined, 0, 0])
  })
})
