/** The run's training data: the dataset, cut to trainLimit / testLimit, and the criteria's fixed batch. */
import type { RunConfig } from '../../contract/api'
import type { TrainData } from '../../core/engine'
import type { RunFacts } from '../../core/plan'
import { loadDataset } from '../../data/datasets'
import type { ClassificationDataset } from '../../data/builtin/types'

export type RunData = ClassificationDataset & TrainData

/** The dataset's facts for the plan, and its data where the trainer can train on it (classification). */
export function loadRunData(config: RunConfig, dataDir: string | undefined): { facts: RunFacts; data: RunData | null } {
  const loaded = loadDataset(config.dataset, config.seed, { dataDir, trainLimit: config.trainLimit, testLimit: config.testLimit })
  if (loaded.task !== 'classification')
    return { facts: { task: loaded.task, trainImages: loaded.yTrain.length, inputShape: loaded.inputShape, numClasses: 1 }, data: null }
  const data = limit(loaded, config)
  return {
    facts: { task: 'classification', trainImages: data.yTrain.length, inputShape: data.inputShape, numClasses: data.numClasses },
    data: { ...data, featureSize: data.inputShape.reduce((a, b) => a * b, 1) },
  }
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
