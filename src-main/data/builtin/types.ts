/**
 * The dataset object the trainer consumes, built-in or imported. Inputs are flattened row-major
 * float32; images are [H, W, C] (NHWC) and already normalized by the per-channel mean/std of the
 * training split, so every model sees comparable scales.
 */
interface DatasetBase {
  /** `builtin:<name>` or `ds:<content key>` */
  id: string
  xTrain: Float32Array
  xTest: Float32Array
  inputShape: number[]
  classNames: string[]
  /** for 2-D data: the [min, max] box of each input dimension, where the probe grid lies */
  bounds?: [number, number][]
  /** per-channel mean/std (raw units) that x was normalized with; absent when x is raw */
  stats?: { mean: number[]; std: number[] }
}

export interface ClassificationDataset extends DatasetBase {
  task: 'classification'
  yTrain: Int32Array
  yTest: Int32Array
  numClasses: number
}

export interface RegressionDataset extends DatasetBase {
  task: 'regression'
  /** one float target per example */
  yTrain: Float32Array
  yTest: Float32Array
  numClasses: 1
}

export type Dataset = ClassificationDataset | RegressionDataset

/** @deprecated the old name, kept for code written before imported datasets */
export type BuiltinDataset = ClassificationDataset
