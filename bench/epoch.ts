/**
 * The Fashion-MNIST epoch row: the small cnn trained on the real 60,000 training images at batch
 * 64 through the product's whole path — IDX import into the binary cache (data/import), the
 * trainer's loader (normalisation), and one epoch of `TrainingEngine` (shuffle, gather, steps,
 * the per-batch yield the trainer worker makes). Evaluation on the test split is timed apart.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TrainingEngine, type TrainData } from '../src-main/core/engine'
import { loadDataset } from '../src-main/data/datasets'
import { importFolder } from '../src-main/data/import/importFolder'
import { CLASSES, createModel } from './models'
import { setUp, stepFactory, stepWorkers, type RunConfig } from './harness'

export interface EpochConfig extends Pick<RunConfig, 'label' | 'backend' | 'kernels' | 'threads' | 'step'> {
  dataDir: string
  images: number
  batch: number
}

export interface EpochResult {
  label: string
  /** who trained it: 'ours' or 'PyTorch' */
  engine: 'ours' | 'PyTorch'
  /** cores it trained on: PyTorch's threads; ours: wasm threads × trainer workers */
  threads: number
  images: number
  /** training images the dataset has (a full epoch) */
  of: number
  batch: number
  /** shuffle + gather + every step of the epoch, first epoch of a fresh network (no warm-up) */
  trainSeconds: number
  /** inference over the test split, apart from the training time */
  evalSeconds: number
  testImages: number
  /** reading the dataset into memory (ours: IDX → cache → loader; PyTorch: numpy), not in either time */
  loadSeconds: number
  trainAccuracy: number
  testAccuracy: number
  samplesPerSec: number
}

/** Why the epoch cannot be measured with this folder, or null when it can. */
export function missingFashionMnist(dir: string): string | null {
  if (!existsSync(dir)) return `no Fashion-MNIST at ${dir}`
  const files = readdirSync(dir)
  for (const want of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    if (!files.some((f) => f.startsWith(want))) return `no ${want}[.gz] in ${dir}`
  }
  return null
}

export async function epochChild(config: EpochConfig): Promise<EpochResult> {
  const { threads } = await setUp(config)
  const cache = mkdtempSync(join(tmpdir(), 'spline-bench-'))
  try {
    const t0 = performance.now()
    const { info } = await importFolder(config.dataDir, {}, { dataDir: cache })
    const data = loadDataset(info.id, 0, { dataDir: cache })
    const loadSeconds = (performance.now() - t0) / 1000
    if (data.task !== 'classification') throw new Error(`${config.dataDir} is not a classification dataset`)
    const model = createModel('cnn')
    const featureSize = model.featureSize
    if (data.inputShape.join() !== model.network.spec.input.join()) throw new Error(`${config.dataDir}: images are ${data.inputShape.join('×')}, not 28×28×1`)
    const n = Math.min(config.images, data.yTrain.length)
    const train: TrainData = {
      xTrain: data.xTrain.subarray(0, n * featureSize),
      yTrain: data.yTrain.subarray(0, n),
      xTest: data.xTest,
      yTest: data.yTest,
      featureSize,
      numClasses: CLASSES,
    }
    const step = await stepFactory(config.step)(model.network, model.optimizer, featureSize, CLASSES, config.batch)
    const engine = new TrainingEngine({
      network: model.network,
      optimizer: model.optimizer,
      data: train,
      epochs: 1,
      batchSize: config.batch,
      seed: 0,
      lrAt: () => model.optimizer.lr,
      step,
      // as the trainer worker does (runJob): lets cancel messages in between batches
      yieldEvery: () => new Promise((r) => setImmediate(r)),
    })
    let started = 0
    let trained = 0
    let evaluated = 0
    let metrics = { trainAccuracy: NaN, testAccuracy: NaN }
    await engine.run([
      {
        onTrainBegin: () => void (started = performance.now()),
        onBatchEnd: (_ctx, b, batches) => {
          if (b === batches) trained = performance.now()
        },
        onEpochEnd: (_ctx, record) => {
          evaluated = performance.now()
          metrics = record.metrics
        },
      },
    ])
    step.dispose()
    model.dispose()
    const trainSeconds = (trained - started) / 1000
    return {
      label: config.label,
      engine: 'ours',
      threads: threads * stepWorkers(config.step),
      images: n,
      of: data.yTrain.length,
      batch: config.batch,
      trainSeconds,
      evalSeconds: (evaluated - trained) / 1000,
      testImages: data.yTest.length,
      loadSeconds,
      trainAccuracy: metrics.trainAccuracy,
      testAccuracy: metrics.testAccuracy,
      samplesPerSec: n / trainSeconds,
    }
  } finally {
    rmSync(cache, { recursive: true, force: true })
  }
}
