/**
 * The samples a gradient criterion scores on, drawn as its reference code draws them (flowandprune):
 * the first N of the shuffled training set (`cal_grad`), or N / C of each class in shuffled order
 * (`grasp_data`), whose loss is the mean over classes of each class's mean. The shuffle is seeded
 * by the run, so a run always scores on the same samples.
 */
import { createRng, permutation } from '../random'
import type { GradientSamples, TrainingSet, WeightedSamples } from './types'

export function drawSamples(data: TrainingSet, numClasses: number, spec: GradientSamples, seed: number): WeightedSamples {
  const n = data.y.length
  if (n === 0) throw new Error('the gradient criteria need training samples, and the training set is empty')
  const order = permutation(n, createRng(seed ^ 0x5a3c))
  let picked: number[]
  let weights: Float64Array
  let note: string
  if (!spec.perClass) {
    picked = Array.from(order.subarray(0, Math.min(spec.samples, n)))
    weights = new Float64Array(picked.length).fill(1 / picked.length)
    note = `${picked.length} training samples${picked.length < spec.samples ? ` (all there are; the reference takes ${spec.samples})` : ''}`
  } else {
    const per = Math.floor(spec.samples / numClasses)
    if (per < 1) throw new Error(`${spec.samples} samples cannot be spread over ${numClasses} classes`)
    const byClass: number[][] = Array.from({ length: numClasses }, () => [])
    for (const i of order) {
      const c = data.y[i]!
      if (c >= 0 && c < numClasses && byClass[c]!.length < per) byClass[c]!.push(i)
    }
    picked = byClass.flat()
    // mean over the C classes of each class's mean loss (a class without samples adds nothing, as in the reference's sum / C)
    weights = Float64Array.from(byClass.flatMap((members) => members.map(() => 1 / (numClasses * members.length))))
    const short = byClass.map((m, c) => [c, m.length] as const).filter(([, k]) => k < per)
    note = `${per} samples per class (${picked.length} in all)${short.length ? `; fewer in ${short.length} class${short.length > 1 ? 'es' : ''} (${short.map(([c, k]) => `${c}: ${k}`).join(', ')})` : ''}`
  }
  const f = data.featureSize
  const x = new Float32Array(picked.length * f)
  const y = new Int32Array(picked.length)
  picked.forEach((i, j) => {
    x.set(data.x.subarray(i * f, (i + 1) * f), j * f)
    y[j] = data.y[i]!
  })
  return { x, y, weights, count: picked.length, note }
}
