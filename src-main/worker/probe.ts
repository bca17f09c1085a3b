/**
 * The fixed probe set of a run (SPEC §2), built once and never augmented: the N×N grid over a
 * 2-D dataset's bounds, M test samples, or the reference's 2-D canvas α·x0 + β·x1 (α, β ∈ [0,1])
 * through two test images of different classes.
 */
import type { ProbeInfo, RunConfig } from '../contract/api'
import type { Probe } from '../core/splineRecorder'
import { gridProbe } from '../data/datasets'

interface ProbeData {
  xTest: Float32Array
  yTest: ArrayLike<number>
  inputShape: number[]
  bounds?: [number, number][]
}

export function buildProbe(config: RunConfig, data: ProbeData): { probe: Probe; kind: ProbeInfo['kind'] } {
  const per = data.inputShape.reduce((a, b) => a * b, 1)
  const kind = config.probeKind === 'auto' ? (data.bounds && per === 2 ? 'grid' : 'samples') : config.probeKind
  if (kind === 'grid') {
    return { probe: { x: gridProbe(data.bounds!, config.probeGrid), count: config.probeGrid ** 2 }, kind: 'grid2d' }
  }
  const nTest = data.xTest.length / per
  if (nTest === 0) throw new Error('the dataset has no test examples to build a probe from')
  if (kind === 'samples') {
    const count = Math.min(config.probeSamples, nTest)
    return { probe: { x: data.xTest.slice(0, count * per), count }, kind: 'samples' }
  }
  const x0 = data.xTest.subarray(0, per)
  let j = 1
  while (j < nTest && data.yTest[j] === data.yTest[0]) j++
  const x1 = data.xTest.subarray((j % nTest) * per, ((j % nTest) + 1) * per)
  const n = config.probeGrid
  const x = new Float32Array(n * n * per)
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const alpha = a / (n - 1)
      const beta = b / (n - 1)
      const o = (a * n + b) * per
      for (let i = 0; i < per; i++) x[o + i] = alpha * x0[i]! + beta * x1[i]!
    }
  }
  return { probe: { x, count: n * n }, kind: 'canvas' }
}
