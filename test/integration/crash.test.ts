/**
 * Kill tests for real: the CLI trains, is SIGKILLed at random moments (inside a checkpoint write,
 * inside pruning, during a resume), and then the database must be intact, every epoch it reported
 * must be there unchanged, and `resume` must finish the run with exactly the numbers of an
 * uninterrupted run. CRASH_SEED=n replays the random kill times of a failing run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { listCheckpoints } from '../../src-main/worker/checkpoint'
import { checkpointFolder, kill, pollUntil, rng, snapshotRun, startCli, tempFilesIn, type CliProcess } from '../helpers/crash'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-crash-')
afterAll(() => tmp.cleanup())
const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e6))
const rand = rng(seed)
const tally = { trials: 0, reported: 0, lost: 0 }

const TOY = ['--dataset', 'builtin:xshape', '--model', 'mlp', '--hidden', '24,24', '--probe', '400']
const CONFIGS = {
  eb: [...TOY, '--method', 'spline-eb', '--eb-epsilon', '0.5', '--epochs', '8', '--seed', '1'],
  finetune: [...TOY, '--method', 'prune-after', '--epochs', '6', '--seed', '2', '--keep-checkpoints', 'last'],
  conv: [
    '--dataset',
    'builtin:fashion-mini',
    '--model',
    'cnn',
    '--width',
    '0.25',
    '--train-limit',
    '600',
    '--test-limit',
    '200',
    '--probe',
    '64',
    '--method',
    'prune-after',
    '--criterion',
    'l1',
    '--epochs',
    '3',
    '--finetune',
    '1',
    '--seed',
    '3',
  ],
} as const
type ConfigName = keyof typeof CONFIGS
const reference = {} as Record<ConfigName, ReturnType<typeof snapshotRun>>

let n = 0
function fresh(): { home: string; db: string } {
  const home = join(tmp.dir, `t${++n}`)
  mkdirSync(home)
  return { home, db: join(home, 'spline-lab.db') }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const running = (c: CliProcess) => c.when((e) => e.event === 'status' && e.status === 'running')

beforeAll(async () => {
  console.log(`crash tests: CRASH_SEED=${seed}`)
  await Promise.all(
    (Object.keys(CONFIGS) as ConfigName[]).map(async (name) => {
      const { home, db } = fresh()
      const cli = startCli(['run', ...CONFIGS[name], '--db', db, '--json'], home)
      expect((await cli.exit).code, cli.stderr()).toBe(0)
      reference[name] = snapshotRun(db)
    }),
  )
})

/** Kills a run when `moment` says, checks what survived, resumes (more kills on the way if asked) and compares. */
async function trial(
  config: ConfigName,
  moment: (cli: CliProcess, home: string) => Promise<unknown>,
  opts: { hooks?: object; killResumeAfterEpoch?: number; resumeHooks?: object } = {},
) {
  const { home, db } = fresh()
  const cli = startCli(['run', ...CONFIGS[config], '--db', db, '--events'], home, opts.hooks)
  await moment(cli, home)
  expect(cli.proc.exitCode, 'the run ended before the kill: widen the window').toBeNull()
  await kill(cli)
  let reported = cli.events.filter((e) => e.event === 'epoch')
  const runId = snapshotRun(db).runId!
  for (let attempt = 0; ; attempt++) {
    const after = snapshotRun(db)
    tally.trials++
    tally.reported += reported.length
    expect(after.integrity).toBe('ok')
    // Every epoch reported before the kill is there, unchanged; the stored epochs have no gaps.
    for (const e of reported) {
      const row = after.metrics.find((m) => m.epoch === e.epoch)
      if (!row) tally.lost++
      expect(row, `epoch ${e.epoch} was reported but is missing`).toBeDefined()
      expect([row!.train_loss, row!.test_accuracy]).toEqual([e.trainLoss, e.testAccuracy])
    }
    expect(after.metrics.map((m) => m.epoch)).toEqual(after.metrics.map((_, i) => i + 1))
    const killThis = attempt === 0 && opts.killResumeAfterEpoch !== undefined
    const resume = startCli(['resume', runId, '--db', db, '--json', '--events'], home, killThis ? opts.resumeHooks : undefined)
    if (killThis) {
      await resume.when((e) => e.event === 'epoch' && e.epoch! >= opts.killResumeAfterEpoch!)
      await sleep(rand() * 100)
      expect(resume.proc.exitCode, 'the resume ended before the kill').toBeNull()
      await kill(resume)
      reported = resume.events.filter((e) => e.event === 'epoch')
      continue
    }
    expect((await resume.exit).code, resume.stderr()).toBe(0)
    break
  }
  const final = snapshotRun(db)
  expect(final.integrity).toBe('ok')
  expect(final.status).toBe('finished')
  // Deterministic config, same backend: the resumed run is the uninterrupted run, bit for bit.
  expect(final.metrics).toEqual(reference[config].metrics)
  expect(final.distances).toEqual(reference[config].distances)
  expect(final.summary).toEqual(reference[config].summary)
  const folder = checkpointFolder(home, runId)
  expect(tempFilesIn(folder)).toEqual([])
  const files = listCheckpoints(home, runId)
  expect(files.filter((f) => f.optimizer).map((f) => f.epoch)).toEqual([final.metrics.length])
  return { runId, files, home, db }
}

describe('SIGKILL at random moments, then resume', () => {
  it('a toy spline-eb run killed at a random moment', async () => {
    const { files } = await trial(
      'eb',
      async (cli) => {
        // Somewhere inside epoch after + 2, timed by the epoch before it: a fixed window outlives the
        // whole run once epochs get fast enough (the 8-epoch toy runs take well under a second).
        const after = 1 + Math.floor(rand() * 3)
        await cli.when((e) => e.event === 'epoch' && e.epoch! >= after)
        const start = performance.now()
        await cli.when((e) => e.event === 'epoch' && e.epoch! >= after + 1)
        await sleep(rand() * (performance.now() - start))
      }, // Slowed checkpoint writes from epoch 3 on keep a fast machine from finishing before the kill lands.
      { hooks: { checkpointSleepMs: 300, checkpointSleepFrom: 3 } },
    )
    expect(files.map((f) => f.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]) // keepCheckpoints 'all'
  })

  it('killed inside a checkpoint write (a half-written temp file on disk)', async () => {
    await trial(
      'eb',
      async (cli, home) => {
        const { runId } = await running(cli)
        expect(await pollUntil(cli, () => tempFilesIn(checkpointFolder(home, runId!)).length > 0)).toBe(true)
      },
      { hooks: { checkpointSleepMs: 400, checkpointSleepFrom: 2 + Math.floor(rand() * 4) } },
    )
  })

  it('killed inside pruning', async () => {
    await trial(
      'eb',
      async (cli) => {
        await cli.when((e) => e.event === 'progress' && e.phase === 'prune')
        await sleep(rand() * 600)
      },
      { hooks: { pruneSleepMs: 1000 } },
    )
  })

  it('killed while fine-tuning, and again while resuming (keepCheckpoints last)', async () => {
    const { files } = await trial(
      'finetune',
      async (cli) => {
        await cli.when((e) => e.event === 'epoch' && e.epoch! >= 6)
        await sleep(rand() * 400)
      },
      // Slowed checkpoint writes keep the last epochs from finishing before the kill lands.
      { hooks: { checkpointSleepMs: 150, checkpointSleepFrom: 7 }, killResumeAfterEpoch: 7, resumeHooks: { checkpointSleepMs: 150, checkpointSleepFrom: 8 } },
    )
    expect(files.map((f) => f.epoch)).toEqual([9]) // only the newest is kept
  })

  it('a small conv run killed at a random moment', async () => {
    await trial(
      'conv',
      async (cli) => {
        // inside epoch 3 of 4, timed by epoch 2
        await cli.when((e) => e.event === 'epoch' && e.epoch! >= 1)
        const start = performance.now()
        await cli.when((e) => e.event === 'epoch' && e.epoch! >= 2)
        await sleep(rand() * (performance.now() - start))
      }, // Slowed checkpoint writes from epoch 3 on keep a fast machine from finishing before the kill lands.
      { hooks: { checkpointSleepMs: 300, checkpointSleepFrom: 3 } },
    )
    console.log(`crash tests: ${tally.trials} kills, ${tally.reported} epochs reported before them, ${tally.lost} lost (seed ${seed})`)
    expect(tally.lost).toBe(0)
  })

  // Opt-in soak (CRASH_SOAK=n): kills at uniformly random times from the spawn on, start-up included.
  it.runIf(Number(process.env.CRASH_SOAK) > 0)('soak: kills at any moment', { timeout: 3_600_000 }, async () => {
    let skipped = 0
    for (let i = 0; i < Number(process.env.CRASH_SOAK); i++) {
      const { home, db } = fresh()
      const cli = startCli(['run', ...CONFIGS.eb, '--db', db, '--events'], home)
      await sleep(800 + rand() * 3000)
      if (cli.proc.exitCode !== null) {
        skipped++ // finished first: nothing was killed
        continue
      }
      await kill(cli)
      const after = snapshotRun(db)
      tally.trials++
      expect(after.integrity).toBe('ok')
      const reported = cli.events.filter((e) => e.event === 'epoch')
      tally.reported += reported.length
      for (const e of reported) if (!after.metrics.some((m) => m.epoch === e.epoch && m.train_loss === e.trainLoss)) tally.lost++
      if (!after.runId) continue // killed before the run was created: nothing to resume
      if (after.status === 'finished') {
        // killed while closing down after the last epoch: nothing to resume, all there
        expect(after.metrics).toEqual(reference.eb.metrics)
        continue
      }
      const resume = startCli(['resume', after.runId, '--db', db, '--json'], home)
      expect((await resume.exit).code, resume.stderr()).toBe(0)
      expect(snapshotRun(db).metrics).toEqual(reference.eb.metrics)
    }
    console.log(
      `soak: ${tally.trials} kills so far, ${tally.reported} epochs reported, ${tally.lost} lost, ${skipped} runs finished before their kill (seed ${seed})`,
    )
    expect(tally.lost).toBe(0)
  })
})
