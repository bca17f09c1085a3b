/**
 * How many trainer workers a run trains on: the run config's `trainWorkers`, else
 * SPLINE_LAB_TRAIN_WORKERS, else 'auto'. 'auto' splits a batch only where measurement says it
 * pays (docs/performance.md, "Data-parallel training"), and decides from the config and the
 * machine alone, never from timings: the same config on the same machine must train the same
 * way every time, resumed or not, or runs would not repeat bit for bit.
 */
import os from 'node:os'
import type { ArchSpec } from '../../contract/arch'
import { countCosts } from '../../core/flops'
import { setting as readSetting, type Env } from '../../settings/settings'

export type TrainWorkersSetting = 'auto' | number

/** Each shard keeps at least this many examples: smaller shards make BN statistics noisy. */
export const MIN_SHARD = 16
/** 'auto' goes no wider: measured on 2 cores only, and the serial part grows with workers. */
const AUTO_MAX = 2
/*
 * What 'auto' asks of a run before it splits batches (forward FLOPs, core/flops.ts), from the
 * measurements in docs/performance.md ("Data-parallel training", 2 cores, wasm):
 * - per batch: below ≈ 10 MFLOP the fixed cost of a parallel step (wake the replica, publish the
 *   weights, average, ≈ 0.5–1 ms) eats the gain (cnn ×0.25, batch 32, 6 MFLOP: +9 %);
 * - per batch per parameter: work that scales with the parameters, not the batch (XNNPACK
 *   re-packs every changed weight matrix on every call, the SGD update) is done by every worker
 *   or serially, so the batch-proportional part must dominate: mlp 784-512-512 at batch 64
 *   (128 FLOP per parameter) gains 6 %, at batch 128 (256) 33 %, convolutions (2,000–7,000) 25–83 %;
 * - per run: starting the replicas costs ≈ 0.4–1 s per phase, so short runs stay on one worker
 *   (2·10¹⁰ forward FLOPs ≈ 5 s of single-worker training here).
 */
export const AUTO_MIN_BATCH_FLOPS = 10e6
/*
 * Dense products already use every core on one worker (helper threads, threads/helperPool.ts),
 * without a serial average and update: mlp 784-512-512 at batch 64 / 128 / 256 trains at 8,700 /
 * 9,300 / 10,100 samples/s that way against 5,500 / 8,300 / 9,500 on two workers. So a model whose
 * forward FLOPs are mostly dense stays on one worker.
 */
export const AUTO_DENSE_SHARE = 0.5
export const AUTO_MIN_FLOPS_PER_PARAM = 200
export const AUTO_MIN_RUN_FLOPS = 2e10

export interface WorkersContext {
  backend: string
  spec: ArchSpec
  batchSize: number
  /** examples the run trains on in all (training set × planned epochs) */
  runExamples: number
  /** XNNPACK threads of this trainer's wasm: with > 1 the cores are already busy */
  wasmThreads: number
  /** threads this trainer's dense products run on (threads/helperPool.ts); absent: 1 */
  gemmThreads?: number
  /** the workers a resumed run's checkpoint says it trained on */
  recorded?: number
  cores?: number
  env?: NodeJS.ProcessEnv
}

export interface WorkersDecision {
  workers: number
  /** why 'auto' (or the setting) came to this count */
  why: string
}

/** Parses SPLINE_LAB_TRAIN_WORKERS ('auto' or a positive integer); anything else is an error. */
export function trainWorkersFromEnv(env?: Env): TrainWorkersSetting | undefined {
  return readSetting('trainWorkers', env)
}

export function decideTrainWorkers(setting: TrainWorkersSetting | undefined, ctx: WorkersContext): WorkersDecision {
  const fromEnv = setting === undefined ? trainWorkersFromEnv(ctx.env) : undefined
  if (typeof setting === 'number') return { workers: setting, why: 'set in the run config' }
  if (typeof fromEnv === 'number') return { workers: fromEnv, why: 'set by SPLINE_LAB_TRAIN_WORKERS' }
  // 'auto' on a resumed run keeps the count it trained on: on another machine it could decide
  // otherwise, and batches split otherwise train otherwise (the run would not end where it would have).
  const r = ctx.recorded
  if (r !== undefined && Number.isInteger(r) && r >= 1 && r <= 16) return { workers: r, why: `${r} as before the run was resumed` }
  const cores = ctx.cores ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length)
  const one = (why: string): WorkersDecision => ({ workers: 1, why })
  if (ctx.backend !== 'wasm' && ctx.backend !== 'cpu') return one(`backend '${ctx.backend}'`)
  if (cores < 2) return one('one core')
  if (ctx.backend === 'wasm' && ctx.wasmThreads > 1) return one(`wasm already runs ${ctx.wasmThreads} threads`)
  const byBatch = Math.floor(ctx.batchSize / MIN_SHARD)
  if (byBatch < 2) return one(`batch ${ctx.batchSize} < ${2 * MIN_SHARD}`)
  const costs = countCosts(ctx.spec)
  const gemm = ctx.backend === 'wasm' ? (ctx.gemmThreads ?? 1) : 1
  const dense = costs.layers.filter((l) => l.kind === 'dense').reduce((a, l) => a + l.flops, 0) / Math.max(1, costs.flops)
  if (gemm > 1 && dense >= AUTO_DENSE_SHARE) return one(`dense layers (${Math.round(dense * 100)} % of the FLOPs) already run on ${gemm} threads`)
  const batchFlops = costs.flops * ctx.batchSize
  if (batchFlops < AUTO_MIN_BATCH_FLOPS) return one(`${(batchFlops / 1e6).toFixed(1)} MFLOP per batch is too little to share`)
  if (batchFlops / costs.params < AUTO_MIN_FLOPS_PER_PARAM)
    return one(`${Math.round(batchFlops / costs.params)} FLOP per parameter per batch: per-weight work dominates`)
  if (costs.flops * ctx.runExamples < AUTO_MIN_RUN_FLOPS) return one('too short a run to pay for starting replicas')
  const workers = Math.min(cores, byBatch, AUTO_MAX)
  return { workers, why: `${workers} of ${cores} cores` }
}
