/**
 * What a bench child process measures. Every measurement with a backend runs in a process of its
 * own (see harness.ts); the parent passes one of these as JSON and reads one marked line back.
 */
import { spawnSync } from 'node:child_process'
import { WASM_KERNEL_NAMES } from '../src-main/worker/backends/wasm/kernels/registry'
import { epochChild, type EpochConfig } from './epoch'
import { profileModel, runChild, setUp, type RunConfig } from './harness'
import { gradientErrors, kernelBench } from './kernels'
import { createModel, type ModelName } from './models'
import { splineWatchChild } from './splineWatch'
import { storeChild } from './storeBench'

export type ChildTask =
  | { kind: 'train'; config: RunConfig }
  | { kind: 'epoch'; config: EpochConfig }
  | { kind: 'spline'; models: ModelName[]; epochs: number }
  | { kind: 'store'; epochsPerRun: number; minSeconds: number; pdf: boolean }
  | { kind: 'kernels'; models: ModelName[] }
  | { kind: 'profile'; models: ModelName[]; threads?: number; gemmThreads?: number }
  | { kind: 'params'; models: ModelName[] }

const MARK = '@@bench '
/** the trainer's default: wasm, all our kernels, one thread */
export const TRAINER_DEFAULT = { backend: 'wasm' as const, kernels: [...WASM_KERNEL_NAMES], threads: 1 }

export async function runTask(task: ChildTask): Promise<unknown> {
  switch (task.kind) {
    case 'train':
      return runChild(task.config)
    case 'epoch':
      return epochChild(task.config)
    case 'spline':
      return splineWatchChild(task.models, task.epochs, TRAINER_DEFAULT)
    case 'store':
      return storeChild(task)
    case 'kernels':
      await setUp(TRAINER_DEFAULT)
      return { kernels: await kernelBench(), gradients: await gradientErrors(task.models) }
    case 'profile': {
      await setUp({ ...TRAINER_DEFAULT, threads: task.threads ?? 1, gemmThreads: task.gemmThreads ?? 1 })
      const out: Record<string, unknown> = {}
      for (const m of task.models) out[m] = await profileModel(m, 64)
      return out
    }
    case 'params': {
      await setUp({ backend: 'cpu', kernels: [], threads: 1 })
      return task.models.map((model) => {
        const m = createModel(model)
        const sizes = [...m.network.trainable.values()].map((v) => v.size).sort((a, b) => a - b)
        m.dispose()
        return { model, params: sizes.reduce((a, b) => a + b, 0), paramSizes: sizes }
      })
    }
  }
}

/** Child side: one marked JSON line (tfjs's own chatter on stdout is ignored), then exit, which
 * also ends any wasm thread pool. */
export function emit(value: unknown): void {
  process.stdout.write(`\n${MARK}${JSON.stringify(value)}\n`, () => process.exit(0))
}

/** Parent side: runs `task` in a fresh process of this same script. */
export function child<T>(task: ChildTask): T {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--child', JSON.stringify(task)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    encoding: 'utf8',
    // under Electron's binary (the desktop app's CLI), run it as plain Node
    env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
  })
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK))
  if (r.status !== 0 || line === undefined) throw new Error(`bench child ${task.kind} failed (status ${r.status})`)
  return JSON.parse(line.slice(MARK.length)) as T
}
