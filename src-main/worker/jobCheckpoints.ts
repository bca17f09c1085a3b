/**
 * The job's side of crash safety: a training callback that writes every finished epoch's
 * checkpoint before the epoch is reported, the initial checkpoint, and the loader that turns a
 * checkpoint back into what the run executor (run/) needs to continue exactly where it stopped.
 */
import { createHash } from 'node:crypto'
import type { RunConfig } from '../contract/api'
import type { TrainCallback } from '../core/engine'
import type { Network } from '../core/network'
import type { SgdMomentum } from '../core/sgd'
import type { SplineRecorder } from '../core/splineRecorder'
import type { BnEbDetector } from '../core/bnEb'
import type { LayerCode } from '../core/splineCodes'
import { MEAN_LAYER } from '../core/splineHistory'
import { CheckpointError, checkpointDir, readCheckpoint, readCodeHistory, writeCheckpoint, type CheckpointData, type KeepCheckpoints } from './checkpoint'

export type PhaseCost = { flops: number; images: number; epochs: number }

/** Training-relevant config only: renaming a run must not orphan its checkpoints. */
export function configHash(config: RunConfig): string {
  const { name: _name, keepCheckpoints: _keep, ...rest } = config as RunConfig & { keepCheckpoints?: unknown }
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16)
}

export interface RunCheckpoints {
  dataDir: string
  runId: string
  keep: KeepCheckpoints
  configHash: string
  /** wall seconds the run trained in earlier sessions */
  elapsedBefore: number
  sessionStart: number
  now: () => number
  /** the file name of the newest checkpoint, for the epoch message */
  last: string | null
}

export interface PhaseState {
  phase: 'dense' | 'retrain'
  /** global epoch before this phase's first */
  offset: number
  /** the engine's shuffle seed for this phase */
  seed: number
  network: Network
  optimizer: SgdMomentum
  /** recording spline codes in this phase (dense only) */
  recorder: SplineRecorder | null
  splineEb: () => number | null
  bnEb: BnEbDetector
  pruning: CheckpointData['pruning']
  completedPhases: PhaseCost[]
  /** trainer workers the phase trains on now (1 after a replica's fallback) */
  trainWorkers: () => number
}

/** Writes the checkpoint of every recorded epoch; put it before the publisher. */
export function checkpointer(run: RunCheckpoints, p: PhaseState): TrainCallback {
  return {
    onEpochRecorded(_ctx, record) {
      const epoch = record.metrics.epoch
      const recorded = p.recorder?.history.length ?? 0
      const codes =
        p.recorder && recorded > 0
          ? run.keep === 'last'
            ? { from: 1, epochs: Array.from({ length: recorded }, (_, t) => p.recorder!.history.codesAt(t)) }
            : { from: recorded, epochs: [p.recorder.history.codesAt(recorded - 1)] }
          : null
      const data: CheckpointData = {
        epoch,
        phase: p.phase,
        phaseEpoch: epoch - p.offset,
        spec: p.network.spec,
        weights: p.network.snapshot(),
        optimizer: p.optimizer.state(),
        shuffle: { seed: p.seed, epochsDrawn: epoch - p.offset },
        codes,
        bnEb: p.bnEb.state(),
        splineEbEpoch: p.splineEb(),
        pruning: p.pruning,
        completedPhases: p.completedPhases,
        lastAccuracy: record.metrics.testAccuracy,
        elapsedSeconds: run.elapsedBefore + (run.now() - run.sessionStart) / 1000,
        configHash: run.configHash,
        trainWorkers: p.trainWorkers(),
      }
      try {
        run.last = writeCheckpoint(run.dataDir, run.runId, epoch, data).file
      } catch (err) {
        throw new Error(
          `could not save the checkpoint of epoch ${epoch} in ${checkpointDir(run.dataDir, run.runId)}: ${diskReason(err)}; the run stopped, epochs 1–${epoch - 1} are kept`,
          { cause: err },
        )
      }
    },
  }
}

/** Epoch 0: the initial weights, so a partition view can show the network before training. */
export function saveInitialWeights(run: RunCheckpoints, network: Network, seed: number): void {
  try {
    writeCheckpoint(run.dataDir, run.runId, 0, {
      epoch: 0,
      phase: 'dense',
      phaseEpoch: 0,
      spec: network.spec,
      weights: network.snapshot(),
      optimizer: null,
      shuffle: { seed, epochsDrawn: 0 },
      codes: null,
      bnEb: null,
      splineEbEpoch: null,
      pruning: null,
      completedPhases: [],
      lastAccuracy: null,
      elapsedSeconds: 0,
      configHash: run.configHash,
    })
  } catch (err) {
    throw new Error(`could not save the initial checkpoint in ${run.dataDir}: ${diskReason(err)}; the run did not start`, { cause: err })
  }
}

/** A failed write in words a researcher can act on. */
export function diskReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  switch (e?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full (${e.code})`
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `the data folder is not writable (${e.code})`
    default:
      return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err)
  }
}

export interface ResumeState {
  data: CheckpointData
  /** codes of every recorded dense epoch up to the checkpoint */
  codeHistory: LayerCode[][]
}

/** Reads and checks what a resume from `epoch` needs; throws a CheckpointError naming what is wrong. */
export function loadResume(dataDir: string, runId: string, epoch: number, config: RunConfig): ResumeState {
  const data = readCheckpoint(dataDir, runId, epoch)
  const name = `epoch ${epoch} of run ${runId}`
  if (data.configHash !== configHash(config)) throw new CheckpointError(name, 'was written for a different run config')
  const codeHistory = data.phase === 'dense' ? readCodeHistory(dataDir, runId, data) : []
  if (data.phase === 'dense' && codeHistory.length !== data.phaseEpoch) {
    throw new CheckpointError(name, `holds spline codes of ${codeHistory.length} epochs, expected ${data.phaseEpoch}`)
  }
  return { data, codeHistory }
}

/** Replays the recorded codes so the distance matrix and the spline EB detector continue exactly. */
export function restoreRecorder(recorder: SplineRecorder, state: ResumeState): void {
  for (const codes of state.codeHistory) {
    const row = recorder.history.add(codes)
    recorder.detector.update(row[MEAN_LAYER]!)
    recorder.last = codes
  }
  // After pruning no codes are kept; the ticket epoch is what the summary still needs.
  if (state.data.phase === 'retrain') recorder.detector.ebEpoch = state.data.splineEbEpoch
}
