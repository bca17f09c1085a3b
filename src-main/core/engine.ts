/**
 * The training loop as a small engine with callbacks (after tfjs-layers' BaseCallback): the
 * spline recorder, the EB detector, persistence and progress are each a callback, so each can be
 * tested with fakes and the loop itself knows nothing of workers, SQLite or UIs.
 */
import * as tf from '@tensorflow/tfjs'
import type { EpochMetrics } from '../contract/api'
import type { Network } from './network'
import type { SgdMomentum } from './sgd'
import { createRng, permutation, type Rng } from './random'
import { localStep, type TrainStep } from './step'
import { cropFlip, type CropFlip } from './augment'

export type Phase = EpochMetrics['phase']

export interface TrainData {
  xTrain: Float32Array
  yTrain: Int32Array
  xTest: Float32Array
  yTest: Int32Array
  /** features per example (product of the input shape) */
  featureSize: number
  numClasses: number
}

/** one epoch's metrics, as the API contract publishes them */
export type EpochMetricsRecord = EpochMetrics

/** What one epoch produced; callbacks read it and add their part in order. */
export interface EpochRecord {
  metrics: EpochMetricsRecord
  distanceRow?: Record<string, number[]>
  ebPoint?: { epoch: number; maxDistance: number | null; threshold: number }
  ebEpoch?: number | null
  /** the BN-mask EB detector's point and ticket epoch */
  bnEbPoint?: { epoch: number; maxDistance: number | null; threshold: number }
  bnEbEpoch?: number | null
}

export interface EngineContext {
  network: Network
  data: TrainData
  /** global, 1-based */
  epoch: number
  /** last global epoch of this phase */
  totalEpochs: number
  phase: Phase
}

export interface TrainCallback {
  onTrainBegin?(ctx: EngineContext): void | Promise<void>
  onBatchEnd?(ctx: EngineContext, batch: number, batches: number): void
  onEpochEnd?(ctx: EngineContext, record: EpochRecord): void | Promise<void>
  /** after every onEpochEnd, with the record complete (wall time included): persist / publish here */
  onEpochRecorded?(ctx: EngineContext, record: EpochRecord): void | Promise<void>
  onTrainEnd?(ctx: EngineContext, outcome: TrainOutcome): void | Promise<void>
}

export type TrainOutcome = 'finished' | 'cancelled'

export interface EngineOptions {
  network: Network
  optimizer: SgdMomentum
  data: TrainData
  epochs: number
  batchSize: number
  seed: number
  lrAt: (epochIndex: number) => number
  phase?: Phase
  /** global epoch numbering: this phase's first epoch is epochOffset + 1 */
  epochOffset?: number
  /** checked after every epoch: end the phase early (e.g. an early-bird ticket was drawn) */
  stopWhen?: () => boolean
  /** injectable for tests */
  now?: () => number
  /** lets the worker's event loop run (cancel messages) between batches */
  yieldEvery?: () => Promise<void>
  shouldStop?: () => boolean
  /**
   * Resume: epochs of this phase already trained (restored from a checkpoint). Their shuffles are
   * drawn and discarded so the order of every later epoch is the one an uninterrupted run uses.
   */
  startEpoch?: number
  /** how a batch is trained (default: localStep on this backend); the engine does not dispose it */
  step?: TrainStep
  /** training images cropped and flipped (seeded by the seed and the epoch, so a resumed epoch draws the same) */
  augment?: CropFlip | null
}

export class TrainingEngine {
  private readonly now: () => number
  private readonly rng: Rng

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? (() => performance.now())
    this.rng = createRng(options.seed ^ 0x5eed)
  }

  async run(callbacks: TrainCallback[]): Promise<TrainOutcome> {
    const { network, data, epochs } = this.options
    const ctx: EngineContext = {
      network,
      data,
      epoch: (this.options.epochOffset ?? 0) + (this.options.startEpoch ?? 0),
      totalEpochs: (this.options.epochOffset ?? 0) + epochs,
      phase: this.options.phase ?? 'dense',
    }
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx)
    let outcome: TrainOutcome = 'finished'
    const offset = this.options.epochOffset ?? 0
    const startEpoch = this.options.startEpoch ?? 0
    for (let e = 0; e < startEpoch; e++) permutation(data.yTrain.length, this.rng)
    for (let e = startEpoch; e < epochs; e++) {
      ctx.epoch = offset + e + 1
      const started = this.now()
      const lr = this.options.lrAt(offset + e)
      this.options.optimizer.lr = lr
      const train = await this.trainEpoch(ctx, callbacks)
      if (train === null) {
        outcome = 'cancelled'
        break
      }
      const test = evaluate(network, data.xTest, data.yTest, data.featureSize, data.numClasses)
      const record: EpochRecord = {
        metrics: {
          epoch: offset + e + 1,
          phase: ctx.phase,
          trainLoss: train.loss,
          trainAccuracy: train.accuracy,
          testLoss: test.loss,
          testAccuracy: test.accuracy,
          lr,
          seconds: 0,
          splineSeconds: 0,
        },
      }
      for (const cb of callbacks) await cb.onEpochEnd?.(ctx, record)
      record.metrics.seconds = (this.now() - started) / 1000
      for (const cb of callbacks) await cb.onEpochRecorded?.(ctx, record)
      if (this.options.shouldStop?.()) {
        outcome = 'cancelled'
        break
      }
      if (this.options.stopWhen?.()) break
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx, outcome)
    return outcome
  }

  /** One pass over the shuffled training set; null when stopped mid-epoch. */
  private async trainEpoch(ctx: EngineContext, callbacks: TrainCallback[]): Promise<{ loss: number; accuracy: number } | null> {
    const { network, optimizer, data, batchSize } = this.options
    const n = data.yTrain.length
    const order = permutation(n, this.rng)
    const batches = Math.ceil(n / batchSize)
    let lossSum = 0
    let correct = 0
    const step = this.options.step ?? localStep(network, optimizer, data.featureSize, data.numClasses)
    const augment = this.options.augment ?? null
    const augRng = augment ? createRng((this.options.seed ^ 0x6a09e667) + Math.imul(ctx.epoch, 0x9e3779b1)) : null
    for (let b = 0; b < batches; b++) {
      if (this.options.shouldStop?.()) return null
      const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize))
      const { x, y } = gatherBatch(data.xTrain, data.yTrain, data.featureSize, idx)
      if (augment) cropFlip(x, idx.length, augment, augRng!)
      const r = await step.run(x, y, idx.length)
      lossSum += r.loss * idx.length
      correct += r.correct
      for (const cb of callbacks) cb.onBatchEnd?.(ctx, b + 1, batches)
      if (this.options.yieldEvery) await this.options.yieldEvery()
    }
    return { loss: lossSum / n, accuracy: correct / n }
  }
}

export function gatherBatch(x: Float32Array, y: Int32Array, featureSize: number, idx: ArrayLike<number>): { x: Float32Array; y: Int32Array } {
  const bx = new Float32Array(idx.length * featureSize)
  const by = new Int32Array(idx.length)
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!
    bx.set(x.subarray(j * featureSize, (j + 1) * featureSize), i * featureSize)
    by[i] = y[j]!
  }
  return { x: bx, y: by }
}

/** Mean cross-entropy and accuracy in inference mode (BN running statistics). */
export function evaluate(
  network: Network,
  x: Float32Array,
  y: Int32Array,
  featureSize: number,
  numClasses: number,
  batchSize = 1024,
): { loss: number; accuracy: number } {
  const n = y.length
  if (n === 0) return { loss: NaN, accuracy: NaN }
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize)
    const [l, c] = tf.tidy(() => {
      const xs = tf.tensor2d(x.subarray(start * featureSize, end * featureSize), [end - start, featureSize])
      const labels = tf.tensor1d(y.subarray(start, end), 'int32')
      const { logits } = network.forward(xs, false)
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits, undefined, undefined, tf.Reduction.SUM)
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))
      return [loss.dataSync()[0]!, hits.dataSync()[0]!]
    })
    lossSum += l
    correct += c
  }
  return { loss: lossSum / n, accuracy: correct / n }
}
