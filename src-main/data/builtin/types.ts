export interface BuiltinDataset {
  xTrain: Float32Array
  yTrain: Int32Array
  xTest: Float32Array
  yTest: Int32Array
  inputShape: number[]
  numClasses: number
  classNames: string[]
  /** for 2-D data: the [min, max] box of each input dimension, where the probe grid lies */
  bounds?: [number, number][]
}
