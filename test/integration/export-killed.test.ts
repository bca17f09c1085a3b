/**
 * 14 CLI model exports SIGKILLed at random moments while they write: each leaves either the
 * complete export (a model JSON and all the weights it lists) or nothing, never a model.json
 * without its weights or a cut weights file; the next export removes the temporaries.
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { RunConfigSchema } from '../../src-main/contract/api'
import { RunStore } from '../../src-main/store/runStore'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { writeCheckpoint } from '../../src-main/worker/checkpoint'
import { configHash } from '../../src-main/worker/jobCheckpoints'
import { rng } from '../helpers/crash'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-lab-expkill-')
const home = join(tmp.dir, 'home')
const exports = join(tmp.dir, 'exports')
const HIDDEN = 2500 // ≈ 6.3 M parameters: a 25 MB weights file, long enough to be killed inside

beforeAll(async () => {
  await tf.setBackend('cpu')
  const store = new RunStore(join(home, 'spline-lab.db'))
  const config = RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', hidden: [HIDDEN, HIDDEN], epochs: 1, name: 'big' })
  const now = new Date().toISOString()
  store.createRun({ id: 'big', name: 'big', config, createdAt: now })
  const net = new Network(buildSpec('mlp', [2], 2, { hidden: [HIDDEN, HIDDEN] }), 0)
  writeCheckpoint(home, 'big', 1, {
    epoch: 1,
    phase: 'dense',
    phaseEpoch: 1,
    spec: net.spec,
    weights: net.snapshot(),
    optimizer: null,
    shuffle: { seed: config.seed, epochsDrawn: 1 },
    codes: null,
    bnEb: null,
    splineEbEpoch: null,
    pruning: null,
    completedPhases: [],
    lastAccuracy: 0.5,
    elapsedSeconds: 1,
    configHash: configHash(config),
  })
  net.dispose()
  store.finish('big', 'finished', now, { testAccuracy: 0.5 })
  store.close()
}, 120_000)
afterAll(() => tmp.cleanup())

/** 'complete', 'none', or what is wrong with what the export left */
function judge(dir: string): string {
  if (!existsSync(dir)) return 'none'
  const names = readdirSync(dir).sort()
  const json = names.find((n) => n.endsWith('-model.json'))
  const bin = names.find((n) => n.endsWith('-weights.bin'))
  if (!json) return `no model JSON among ${names.join(', ') || 'nothing'}`
  const model = JSON.parse(readFileSync(join(dir, json), 'utf8')) as { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] }
  const want = model.weightsManifest[0]!.weights.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0)
  if (!bin || model.weightsManifest[0]!.paths[0] !== bin) return `model JSON without its weights (${names.join(', ')})`
  if (statSync(join(dir, bin)).size !== want) return `weights cut short: ${statSync(join(dir, bin)).size} of ${want} bytes`
  return names.length === 2 ? 'complete' : `extra files: ${names.join(', ')}`
}

const exportArgs = (out: string) => [CLI, 'export', 'big', '--format', 'model', '--out', out, '--db', join(home, 'spline-lab.db')]

describe('killed exports', () => {
  it('14 SIGKILLs at random moments leave a complete export or none', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 1e6))
    const r = rng(seed)
    const outcomes: string[] = []
    for (let k = 0; k < 14; k++) {
      const out = join(exports, `model-${k}`)
      const proc = spawn(process.execPath, exportArgs(out), { env: { ...process.env, SPLINE_LAB_HOME: home }, stdio: 'ignore' })
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      // wait until this export starts writing (its folder or a temporary of it shows up), then a random moment more
      const end = Date.now() + 60_000
      while (Date.now() < end && proc.exitCode === null) {
        if (existsSync(exports) && readdirSync(exports).some((f) => f.includes(`model-${k}`))) break
        await new Promise((res) => setTimeout(res, 1))
      }
      await new Promise((res) => setTimeout(res, r() * 60))
      proc.kill('SIGKILL')
      await exited
      outcomes.push(judge(out))
    }
    console.log(
      `14 killed model exports (CRASH_SEED=${seed}): ${outcomes.filter((o) => o === 'complete').length} complete, ${outcomes.filter((o) => o === 'none').length} none`,
    )
    expect(outcomes.filter((o) => o !== 'complete' && o !== 'none')).toEqual([])
    // the next export into that folder completes and sweeps the killed ones' temporaries
    const res = spawnSync(process.execPath, exportArgs(join(exports, 'final')), { env: { ...process.env, SPLINE_LAB_HOME: home }, encoding: 'utf8' })
    expect(res.status).toBe(0)
    expect(judge(join(exports, 'final'))).toBe('complete')
    expect(readdirSync(exports).filter((f) => f.endsWith('.tmp'))).toEqual([])
  }, 300_000)
})
