/**
 * A run's start: its data and plan, the initial network and probe, the recorders, the resume
 * point or the initial checkpoint, the data-parallel replicas, and the `started` message.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import type { RunConfig } from '../../contract/api'
import { buildSpec } from '../../core/models'
import { Network } from '../../core/network'
import { buildRunPlan, type RunPlan } from '../../core/plan'
import { configHash, loadResume, restoreRecorder, saveInitialWeights, type ResumeState, type RunCheckpoints } from '../jobCheckpoints'
import { effectiveGemmThreads } from '../threads/helperPool'
import { wasmThreadsState } from '../threads/threadedWasm'
import { decideTrainWorkers } from '../parallel/workers'
import { buildProbe } from '../probe'
import type { JobHooks, RunContext } from './context'
import { loadRunData } from './data'
import { createInstruments } from './instruments'
import { Replicas } from './replicas'

export async function startRun(runId: string, config: RunConfig, hooks: JobHooks): Promise<RunContext> {
  const now = hooks.now ?? (() => performance.now())
  const started = now()
  const { facts, data } = loadRunData(config, hooks.dataDir)
  const plan = buildRunPlan(config, facts)
  if (!data) throw new Error(`dataset '${config.dataset}' has no classes to train on`) // the plan refused it already
  const specBefore = buildSpec(config.model, data.inputShape, data.numClasses, { hidden: config.hidden, width: config.width, pruneInputs: config.pruneInputs })
  const network = new Network(specBefore, config.seed)
  const { probe, kind } = buildProbe(config, data)
  const instruments = createInstruments(plan, network, probe, config.probeBudgetBits, now)
  // Crash safety: every finished epoch is checkpointed (when there is a data folder to hold it).
  const resumed = hooks.resume && hooks.dataDir ? loadResume(hooks.dataDir, runId, hooks.resume.epoch, config) : null
  const checkpoints: RunCheckpoints | null = hooks.dataDir
    ? {
        dataDir: hooks.dataDir,
        runId,
        keep: config.keepCheckpoints,
        configHash: configHash(config),
        elapsedBefore: resumed?.data.elapsedSeconds ?? 0,
        sessionStart: started,
        now,
        last: null,
      }
    : null
  if (resumed) {
    restoreRecorder(instruments.spline, resumed)
    if (resumed.data.bnEb) instruments.bnEb.detector.restore(resumed.data.bnEb)
  } else if (checkpoints) {
    saveInitialWeights(checkpoints, network, config.seed)
  }
  // Data-parallel training: replicas per network (pruning changes the shapes), started here for
  // the first one so the run records the workers it really trains on.
  const decision = decideTrainWorkers(config.trainWorkers, {
    backend: tf.getBackend(),
    spec: specBefore,
    batchSize: config.batchSize,
    runExamples: data.yTrain.length * plan.plannedEpochs,
    wasmThreads: wasmThreadsState().threads,
    gemmThreads: tf.getBackend() === 'wasm' ? effectiveGemmThreads(tf.backend() as unknown as BackendWasm) : 1,
    recorded: resumed?.data.trainWorkers,
  })
  const replicas = new Replicas(decision.workers, { featureSize: data.featureSize, numClasses: data.numClasses, batchSize: config.batchSize })
  const entry = entryPoint(plan, resumed)
  // (not for a network that never trains: pruned before training, or resumed after pruning)
  if (!entry.afterPrune && plan.phases[entry.index]?.kind === 'train') await replicas.for(network)
  const workersAtStart = replicas.workers
  const backendLabel = workersAtStart > 1 ? `${tf.getBackend()} ×${workersAtStart}` : tf.getBackend()
  const layers = instruments.spline.plans
  hooks.post({
    type: 'started',
    runId,
    backend: backendLabel,
    layers: layers.map((p) => p.id),
    arch: specBefore,
    resolved: plan.defaults,
    probe: {
      kind,
      count: probe.count,
      bitsPerLayer: Object.fromEntries(layers.map((p) => [p.id, p.bits])),
      budgetBits: config.probeBudgetBits,
      subsampled: Object.fromEntries(layers.filter((p) => p.positions).map((p) => [p.id, { kept: p.positions!.length, of: p.spatial }])),
    },
  })
  return {
    runId,
    config,
    hooks,
    now,
    started,
    plan,
    data,
    specBefore,
    network,
    probe,
    instruments,
    resumed,
    entry,
    checkpoints,
    replicas,
    backendLabel,
    workersAtStart,
    epoch: 0,
    total: { epochs: plan.plannedEpochs },
    costs: [...(resumed?.data.completedPhases ?? [])],
    report: { lastAccuracy: resumed?.data.lastAccuracy ?? null, checkpoint: checkpoints },
    pruning: null,
    initCodes: null,
  }
}

/** The phase a checkpoint continues (by its label; the first phase when starting afresh), and whether a prune step lies behind it. */
function entryPoint(plan: RunPlan, resumed: ResumeState | null): RunContext['entry'] {
  const at = resumed ? plan.phases.findIndex((p) => p.kind === 'train' && p.label === resumed.data.phase) : 0
  const index = Math.max(0, at)
  return { index, afterPrune: plan.phases.slice(0, index).some((p) => p.kind === 'prune') }
}
