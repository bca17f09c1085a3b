/**
 * Runs one job inside the worker (SPEC §1): dense phase with both EB detectors and the spline
 * recorder → (per method) prune the ticket with a criterion and do channel surgery → retrain.
 * Knows nothing of SQLite: every result leaves as a message; the main process persists it.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { DEFAULT_CRITERION, type RunConfig } from '../contract/api'
import { TrainingEngine, type EpochRecord, type Phase, type TrainCallback, type TrainData } from '../core/engine'
import { Network } from '../core/network'
import { SgdMomentum, multiStepLr } from '../core/sgd'
import { buildSpec } from '../core/models'
import { countCosts, trainingFlops } from '../core/flops'
import { SplineRecorder, planCodes, recordCodes } from '../core/splineRecorder'
import { BnEbRecorder } from '../core/bnEbRecorder'
import { selectChannels } from '../core/pruning/prune'
import { pruneNetwork, prunedSpec } from '../core/pruning/surgery'
import type { CriterionId } from '../core/pruning/types'
import type { LayerCode } from '../core/splineCodes'
import { loadDataset } from '../data/datasets'
import { buildProbe } from './probe'
import type { FromWorker, RunOutcome } from './protocol'
import { writeCheckpoint, type CheckpointData } from './checkpoint'
import { testHooks } from './checkpointFile'
import { checkpointer, configHash, diskReason, loadResume, restoreRecorder, type PhaseCost, type RunCheckpoints } from './jobCheckpoints'
import { effectiveGemmThreads } from './kernels/gemmThreads'
import { wasmThreadsState } from './kernels/wasmThreads'
import { startParallelTrainer, type ParallelTrainer } from './parallel/parallelStep'
import { decideTrainWorkers } from './parallel/workers'

export interface JobHooks {
  post(message: FromWorker): void
  isCancelled(): boolean
  now?: () => number
  dataDir?: string
  /** continue from this epoch's checkpoint (in dataDir) instead of starting afresh */
  resume?: { epoch: number }
}

const PROGRESS_EVERY_MS = 250

export async function runJob(runId: string, config: RunConfig, hooks: JobHooks): Promise<RunOutcome> {
  const now = hooks.now ?? (() => performance.now())
  const started = now()
  const loaded = loadDataset(config.dataset, config.seed, { dataDir: hooks.dataDir, trainLimit: config.trainLimit, testLimit: config.testLimit })
  if (loaded.task === 'regression') throw new Error(`dataset '${config.dataset}' is a regression dataset; training supports classification only`)
  const data = limit(loaded, config)
  const featureSize = data.inputShape.reduce((a, b) => a * b, 1)
  const train: TrainData = { ...data, featureSize }
  const E = config.epochs
  const method = config.method
  const criterion = (config.criterion ?? DEFAULT_CRITERION[method]) as CriterionId | null

  const specBefore = buildSpec(config.model, data.inputShape, data.numClasses, { hidden: config.hidden, width: config.width })
  let network = new Network(specBefore, config.seed)
  const { probe, kind } = buildProbe(config, data)
  const plans = planCodes(network, probe, config.probeBudgetBits, config.seed)
  const recorder = new SplineRecorder(plans, probe, config.eb, now)
  const bnEb = new BnEbRecorder({ ratio: config.ratio, queue: config.bnEb.queue, threshold: config.bnEb.threshold })
  // Crash safety: every finished epoch is checkpointed (when there is a data folder to hold it).
  const resumed = hooks.resume && hooks.dataDir ? loadResume(hooks.dataDir, runId, hooks.resume.epoch, config) : null
  const ckpt: RunCheckpoints | null = hooks.dataDir
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
    restoreRecorder(recorder, resumed)
    if (resumed.data.bnEb) bnEb.detector.restore(resumed.data.bnEb)
  } else if (ckpt) {
    saveInitialWeights(ckpt, network, config)
  }
  // Data-parallel training: replicas per network (pruning changes the shapes), started here for
  // the first one so the run records the workers it really trains on.
  const decision = decideTrainWorkers(config.trainWorkers, {
    backend: tf.getBackend(),
    spec: specBefore,
    batchSize: config.batchSize,
    runExamples: train.yTrain.length * plannedEpochs(config),
    wasmThreads: wasmThreadsState().threads,
    gemmThreads: tf.getBackend() === 'wasm' ? effectiveGemmThreads(tf.backend() as unknown as BackendWasm) : 1,
    recorded: resumed?.data.trainWorkers,
  })
  let parallel = null as ParallelTrainer | null
  // Set once a phase's trainer fell back to one worker, so the run's record says so at the end.
  let fellBack = false
  const parallelFor = async (net: Network): Promise<ParallelTrainer | null> => {
    if (decision.workers < 2) return null
    if (parallel?.network === net) return parallel
    fellBack ||= parallel?.fallbackReason != null
    await parallel?.close()
    parallel = null
    parallel = await startParallelTrainer({
      network: net,
      featureSize,
      numClasses: data.numClasses,
      batchSize: config.batchSize,
      workers: decision.workers,
      faults: testHooks().replicaFaults(),
    })
    return parallel
  }
  // (not for a network that never trains: prune-at-init, or resumed after pruning)
  if (resumed?.data.phase !== 'retrain' && method !== 'prune-at-init') await parallelFor(network)
  const workers = parallel?.workers ?? decision.workers
  const backendLabel = workers > 1 ? `${tf.getBackend()} ×${workers}` : tf.getBackend()
  hooks.post({
    type: 'started',
    runId,
    backend: backendLabel,
    layers: plans.map((p) => p.id),
    arch: specBefore,
    probe: {
      kind,
      count: probe.count,
      bitsPerLayer: Object.fromEntries(plans.map((p) => [p.id, p.bits])),
      budgetBits: config.probeBudgetBits,
      subsampled: Object.fromEntries(plans.filter((p) => p.positions).map((p) => [p.id, { kept: p.positions!.length, of: p.spatial }])),
    },
  })

  const phases: PhaseCost[] = [...(resumed?.data.completedPhases ?? [])]
  const state = { lastAccuracy: resumed?.data.lastAccuracy ?? null, checkpoint: ckpt, pruning: null as CheckpointData['pruning'] }
  const total = { epochs: plannedEpochs(config) }
  const bnL1 = config.bnL1 ?? (method === 'eb-bn' ? 1e-4 : 0)
  const runPhase = async (
    net: Network,
    phase: Phase,
    epochs: number,
    offset: number,
    lrAt: (e: number) => number,
    callbacks: TrainCallback[],
    stopWhen?: () => boolean,
  ) => {
    // A resumed phase skips the epochs its checkpoint holds; one already complete is not re-entered.
    const from = resumed && resumed.data.phase === phase ? resumed.data.phaseEpoch : 0
    if (epochs <= 0) return { outcome: 'finished' as const, ran: 0 }
    if (from > 0 && (from >= epochs || stopWhen?.())) {
      phases.push({ flops: countCosts(net.spec).flops, images: data.yTrain.length, epochs: from })
      return { outcome: 'finished' as const, ran: from }
    }
    const par = await parallelFor(net)
    const optimizer = new SgdMomentum({ lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, bnL1 })
    // Without buffers (an older checkpoint, the newest being damaged) momentum restarts here.
    if (from > 0 && resumed!.data.optimizer) optimizer.load(resumed!.data.optimizer)
    let ran = from
    const counter: TrainCallback = { onEpochRecorded: () => void ran++ }
    const engine = new TrainingEngine({
      network: net,
      optimizer,
      data: train,
      epochs,
      batchSize: config.batchSize,
      seed: config.seed + offset,
      lrAt,
      epochOffset: offset,
      phase,
      now,
      stopWhen,
      shouldStop: hooks.isCancelled,
      yieldEvery: () => new Promise((r) => setImmediate(r)),
      startEpoch: from,
      step: par?.step(optimizer),
    })
    const saver = ckpt
      ? [
          checkpointer(ckpt, {
            phase: phase === 'retrain' ? 'retrain' : 'dense',
            offset,
            seed: config.seed + offset,
            network: net,
            optimizer,
            recorder: callbacks.includes(recorder) ? recorder : null,
            splineEb: () => recorder.detector.ebEpoch,
            bnEb: bnEb.detector,
            pruning: state.pruning,
            completedPhases: [...phases],
            trainWorkers: () => par?.workers ?? 1,
          }),
        ]
      : []
    try {
      const outcome = await engine.run([...callbacks, counter, ...saver, publisher(runId, hooks, config, state), progress(runId, hooks, now, total)])
      phases.push({ flops: countCosts(net.spec).flops, images: data.yTrain.length, epochs: ran })
      return { outcome, ran }
    } finally {
      optimizer.dispose()
    }
  }
  const baseLr = (e: number) => multiStepLr(config.lr, e, E, config.lrMilestones)

  try {
    // 1. dense phase
    const ebOf = () => (method === 'spline-eb' ? recorder.detector.ebEpoch : method === 'eb-bn' ? bnEb.detector.ebEpoch : null)
    const cap = Math.max(1, Math.round(config.ebCap * E))
    const denseEpochs = method === 'prune-at-init' ? 0 : method === 'spline-eb' || method === 'eb-bn' ? cap : E
    let atEpoch: number
    if (resumed?.data.phase === 'retrain') {
      // Resumed after pruning: the checkpoint holds the pruned network and where it was pruned.
      network.dispose()
      network = new Network(resumed.data.spec, config.seed + 1)
      network.load(resumed.data.weights)
      state.pruning = resumed.data.pruning
      atEpoch = resumed.data.pruning!.atEpoch
    } else {
      let initCodes: LayerCode[] | null = null
      if (method === 'prune-at-init' && criterion === 'spline') initCodes = recordCodes(network, probe, plans)
      if (resumed) network.load(resumed.data.weights)
      const dense = await runPhase(network, 'dense', denseEpochs, 0, baseLr, [recorder, bnEb], () => ebOf() !== null)
      if (dense.outcome === 'cancelled') return outcome('cancelled')
      if (method === 'dense') return outcome('finished')

      // 2. prune the ticket
      atEpoch = dense.ran
      const ebFallback = (method === 'spline-eb' || method === 'eb-bn') && ebOf() === null
      hooks.post({ type: 'progress', runId, epoch: atEpoch, batch: 0, batches: 1, phase: 'prune', epochs: total.epochs, etaSeconds: null })
      testHooks().duringPruning()
      const codes = initCodes ?? recorder.last
      const selection = selectChannels(criterion!, config.ratio, config.scope, {
        network,
        codes: codes ? new Map(plans.map((p, i) => [p.id, codes[i]!])) : undefined,
        batch: gradientBatch(train, config.seed),
        numClasses: data.numClasses,
        seed: config.seed,
        P: config.P,
      })
      const pruned =
        config.retrain === 'reinit'
          ? new Network(prunedSpec(network.spec, selection.selection), config.seed + 1)
          : pruneNetwork(network, selection.selection, config.seed + 1)
      network.dispose()
      network = pruned
      state.pruning = { atEpoch, ebFallback, kept: selection.selection }
      hooks.post({
        type: 'pruned',
        runId,
        arch: network.spec,
        pruning: {
          criterion: criterion!,
          scope: config.scope,
          ratio: config.ratio,
          P: config.P,
          atEpoch,
          ebFallback,
          retrain: config.retrain,
          kept: selection.selection,
          notes: [...selection.notes, ...(ebFallback ? [`no early-bird ticket by epoch ${cap}: drew it there (ebCap ${config.ebCap})`] : [])],
        },
      })
    }

    // 3. retrain
    const retrainEpochs = method === 'prune-after' ? (config.finetuneEpochs ?? Math.round(E / 2)) : E - atEpoch
    total.epochs = atEpoch + retrainEpochs
    // prune-after restarts the schedule for fine-tuning; the EB methods continue it.
    const lrAt = method === 'prune-after' ? (e: number) => multiStepLr(config.lr, e - atEpoch, retrainEpochs, config.lrMilestones) : baseLr
    const retrain = await runPhase(network, 'retrain', retrainEpochs, atEpoch, lrAt, [])
    return outcome(retrain.outcome)
  } finally {
    await parallel?.close()
    network.dispose()
  }

  function outcome(result: 'finished' | 'cancelled'): RunOutcome {
    const costs = countCosts(network.spec)
    const before = countCosts(specBefore)
    return {
      outcome: result,
      testAccuracy: state.lastAccuracy,
      ebEpoch: recorder.detector.ebEpoch,
      bnEbEpoch: bnEb.detector.ebEpoch,
      params: costs.params,
      macs: costs.macs,
      flops: costs.flops,
      paramsBefore: before.params,
      macsBefore: before.macs,
      trainFlops: trainingFlops(phases),
      wallSeconds: (ckpt?.elapsedBefore ?? 0) + (now() - started) / 1000,
      ...(workers > 1 && (fellBack || parallel?.fallbackReason != null) ? { backend: `${backendLabel}→1` } : {}),
    }
  }
}

/** Epoch 0: the initial weights, so a partition view can show the network before training. */
function saveInitialWeights(ckpt: RunCheckpoints, network: Network, config: RunConfig): void {
  try {
    writeCheckpoint(ckpt.dataDir, ckpt.runId, 0, {
      epoch: 0,
      phase: 'dense',
      phaseEpoch: 0,
      spec: network.spec,
      weights: network.snapshot(),
      optimizer: null,
      shuffle: { seed: config.seed, epochsDrawn: 0 },
      codes: null,
      bnEb: null,
      splineEbEpoch: null,
      pruning: null,
      completedPhases: [],
      lastAccuracy: null,
      elapsedSeconds: 0,
      configHash: ckpt.configHash,
    })
  } catch (err) {
    throw new Error(`could not save the initial checkpoint in ${ckpt.dataDir}: ${diskReason(err)}; the run did not start`, { cause: err })
  }
}

function publisher(
  runId: string,
  hooks: JobHooks,
  config: RunConfig,
  state: { lastAccuracy: number | null; checkpoint: RunCheckpoints | null },
): TrainCallback {
  return {
    onEpochRecorded(_ctx, record: EpochRecord) {
      state.lastAccuracy = record.metrics.testAccuracy
      hooks.post({
        type: 'epoch',
        runId,
        metrics: record.metrics,
        distanceRows: record.distanceRow ?? {},
        ebTrace: record.ebPoint ?? { epoch: record.metrics.epoch, maxDistance: null, threshold: config.eb.epsilon },
        ebEpoch: record.ebEpoch ?? null,
        bnEbTrace: record.bnEbPoint ?? null,
        checkpoint: state.checkpoint?.last ?? null,
      })
    },
  }
}

function progress(runId: string, hooks: JobHooks, now: () => number, total: { epochs: number }): TrainCallback {
  let lastSent = 0
  let t0 = 0
  let batchesDone = 0
  return {
    onTrainBegin() {
      t0 = now()
    },
    onBatchEnd(ctx, batch, batches) {
      batchesDone++
      const t = now()
      if (t - lastSent < PROGRESS_EVERY_MS && batch < batches) return
      lastSent = t
      const perBatch = (t - t0) / batchesDone
      const remaining = Math.max(0, total.epochs - ctx.epoch) * batches + (batches - batch)
      hooks.post({
        type: 'progress',
        runId,
        epoch: ctx.epoch,
        batch,
        batches,
        phase: ctx.phase,
        epochs: total.epochs,
        etaSeconds: Number.isFinite(perBatch) ? (perBatch * remaining) / 1000 : null,
      })
    },
  }
}

function plannedEpochs(config: RunConfig): number {
  return config.method === 'prune-after' ? config.epochs + (config.finetuneEpochs ?? Math.round(config.epochs / 2)) : config.epochs
}

/** A fixed batch of up to 256 training examples for the gradient-based criteria. */
function gradientBatch(data: TrainData, seed: number): { x: Float32Array; y: Int32Array; count: number } {
  const n = data.yTrain.length
  const count = Math.min(256, n)
  const start = (seed * 7919) % Math.max(1, n - count + 1)
  return { x: data.xTrain.slice(start * data.featureSize, (start + count) * data.featureSize), y: data.yTrain.slice(start, start + count), count }
}

function limit<T extends { xTrain: Float32Array; yTrain: Int32Array; xTest: Float32Array; yTest: Int32Array; inputShape: number[] }>(
  data: T,
  config: RunConfig,
): T {
  const per = data.inputShape.reduce((a, b) => a * b, 1)
  const cut = (x: Float32Array, y: Int32Array, n: number | undefined) => (n && n < y.length ? { x: x.slice(0, n * per), y: y.slice(0, n) } : { x, y })
  const tr = cut(data.xTrain, data.yTrain, config.trainLimit)
  const te = cut(data.xTest, data.yTest, config.testLimit)
  return { ...data, xTrain: tr.x, yTrain: tr.y, xTest: te.x, yTest: te.y }
}
