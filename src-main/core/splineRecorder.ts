/**
 * Engine callback: after every epoch, records the spline code of every ReLU layer on the fixed
 * probe set (inference mode, never augmented), grows the distance matrix and feeds the spline
 * EB detector. Its cost is reported as `splineSeconds` in the epoch metrics.
 */
import * as tf from '@tensorflow/tfjs'
import type { EngineContext, EpochRecord, TrainCallback } from './engine'
import { MEAN_LAYER, SplineHistory } from './splineHistory'
import { packSigns, type LayerCode } from './splineCodes'
import { SplineEbDetector, type SplineEbOptions } from './splineEb'
import type { Network } from './network'

export interface Probe {
  /** row-major [count, featureSize] */
  x: Float32Array
  count: number
}

export class SplineRecorder implements TrainCallback {
  readonly history: SplineHistory
  readonly detector: SplineEbDetector

  constructor(
    readonly layers: string[],
    private readonly probe: Probe,
    eb: SplineEbOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.history = new SplineHistory(layers)
    this.detector = new SplineEbDetector(eb)
  }

  onEpochEnd(ctx: EngineContext, record: EpochRecord): void {
    const started = this.now()
    const codes = recordCodes(ctx.network, this.probe, ctx.data.featureSize)
    const row = this.history.add(codes)
    record.distanceRow = row
    record.ebPoint = this.detector.update(row[MEAN_LAYER]!)
    record.ebEpoch = this.detector.ebEpoch
    record.metrics.splineSeconds = (this.now() - started) / 1000
  }
}

/** Codes of every ReLU layer of `network` on the probe (one download per layer). */
export function recordCodes(network: Network, probe: Probe, featureSize: number, batchSize = 4096): LayerCode[] {
  const chunks: Float32Array[][] = []
  for (let start = 0; start < probe.count; start += batchSize) {
    const end = Math.min(probe.count, start + batchSize)
    const values = tf.tidy(() => {
      const xs = tf.tensor2d(probe.x.subarray(start * featureSize, end * featureSize), [end - start, featureSize])
      const { preacts } = network.forward(xs, false)
      return preacts.map((p) => p.dataSync() as Float32Array)
    })
    chunks.push(values)
  }
  const layerCount = chunks[0]?.length ?? 0
  const codes: LayerCode[] = []
  for (let l = 0; l < layerCount; l++) {
    const parts = chunks.map((c) => c[l]!)
    codes.push(packSigns(parts.length === 1 ? parts[0]! : concat(parts)))
  }
  return codes
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
