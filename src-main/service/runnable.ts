/**
 * A run config is refused before anything is queued when it cannot run on its dataset: an
 * unknown dataset, a model that does not fit the dataset's input, or a plan the executor
 * cannot carry out. Every transport gets the same one-line `bad-request`, naming the field.
 */
import { ApiError, type DatasetInfo, type RunConfig } from '../contract/api'
import { buildSpec } from '../core/models'
import { PlanError, buildRunPlan } from '../core/plan'

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!

export function checkRunnable(config: RunConfig, datasets: DatasetInfo[], prefix = 'config'): void {
  const dataset = datasets.find((d) => d.id === config.dataset)
  if (!dataset)
    throw new ApiError('bad-request', `${prefix}.dataset: no imported dataset '${config.dataset}' (import its folder first; datasets.list shows what is there)`)
  try {
    buildSpec(config.model, dataset.inputShape, Math.max(1, dataset.numClasses), { hidden: config.hidden, width: config.width })
  } catch (err) {
    throw new ApiError('bad-request', `${prefix}.model: ${firstLine(err)}`)
  }
  try {
    buildRunPlan(config, {
      task: dataset.task ?? 'classification',
      trainImages: Math.min(dataset.trainCount, config.trainLimit ?? Infinity),
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
    })
  } catch (err) {
    // a plan error names its field (`augment: …`), read as `config.augment: …`
    throw new ApiError('bad-request', `${prefix}${err instanceof PlanError ? '.' : ': '}${firstLine(err)}`)
  }
}
