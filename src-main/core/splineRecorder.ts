/**
 * Engine callback: after every epoch, records the spline code of every BN output on the fixed
 * probe set (inference mode, never augmented), grows the distance matrix and feeds the spline
 * EB detector. Its cost is reported as `splineSeconds` in the epoch metrics.
 *
 * Codes are channel-major: bit c·(M·k) + m·k + j is the sign of channel c at kept position j of
 * probe m, so each channel's row (what the spline pruning criterion compares) is contiguous.
 * When a layer's full code exceeds the bit budget, a fixed random subset of k spatial positions
 * (the same for every channel, probe and epoch) is kept and recorded in the plan.
 */
import * as tf from '@tensorflow/tfjs'
import type { EngineContext, EpochRecord, TrainCallback } from './engine'
import { MEAN_LAYER, SplineHistory } from './splineHistory'
import type { LayerCode } from './splineCodes'
import { SplineEbDetector, type SplineEbOptions } from './splineEb'
import type { Network } from './network'
import { createRng } from './random'

export interface Probe {
  /** row-major [count, ...inputShape] */
  x: Float32Array
  count: number
}

export interface LayerPlan {
  id: string
  channels: number
  /** spatial positions per channel in the full output (1 for dense layers) */
  spatial: number
  /** kept spatial positions (indices into H·W), or null for all */
  positions: number[] | null
  bits: number
}

/** Decides, once per run, which bits of every BN output are recorded. */
export function planCodes(network: Network, probe: Probe, budgetBits: number, seed: number): LayerPlan[] {
  const shapes = tf.tidy(() => {
    const one = tf.tensor(probe.x.subarray(0, probe.x.length / probe.count), [1, ...network.spec.input])
    return network.forward(one, false).codes.map((c) => ({ id: c.id, shape: c.value.shape }))
  })
  const rng = createRng(seed ^ 0xc0de)
  return shapes.map(({ id, shape }) => {
    const channels = shape[shape.length - 1]!
    const spatial = shape.slice(1, -1).reduce((a, b) => a * b, 1)
    const full = probe.count * spatial * channels
    let positions: number[] | null = null
    if (full > budgetBits && spatial > 1) {
      const k = Math.max(1, Math.floor(budgetBits / (probe.count * channels)))
      positions = sample(spatial, Math.min(k, spatial), rng).sort((a, b) => a - b)
    }
    const kept = positions ? positions.length : spatial
    return { id, channels, spatial, positions, bits: probe.count * kept * channels }
  })
}

function sample(n: number, k: number, rng: ReturnType<typeof createRng>): number[] {
  const pool = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i)
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, k)
}

/** Codes of every planned layer on the probe: signs computed on the backend, one bool download per chunk. */
export function recordCodes(network: Network, probe: Probe, plans: LayerPlan[], batchSize = 256): LayerCode[] {
  const codes = plans.map((p) => ({ bits: p.bits, words: new Uint32Array((p.bits + 31) >>> 5), channels: p.channels }))
  const perSample = probe.x.length / probe.count
  for (let start = 0; start < probe.count; start += batchSize) {
    const end = Math.min(probe.count, start + batchSize)
    const signs = tf.tidy(() => {
      const xs = tf.tensor(probe.x.subarray(start * perSample, end * perSample), [end - start, ...network.spec.input])
      return network.forward(xs, false).codes.map((c, l) => {
        const plan = plans[l]!
        let v = tf.reshape(c.value, [end - start, plan.spatial, plan.channels])
        if (plan.positions) v = tf.gather(v, plan.positions, 1)
        return tf.greater(v, 0).dataSync() as Uint8Array
      })
    })
    signs.forEach((s, l) => writeBits(codes[l]!.words, s, plans[l]!, start, end - start, probe.count))
  }
  return codes
}

/** Scatters [b, k, C] signs of probes start..start+b into the channel-major code. */
function writeBits(words: Uint32Array, signs: Uint8Array, plan: LayerPlan, start: number, b: number, count: number): void {
  const k = plan.positions ? plan.positions.length : plan.spatial
  const C = plan.channels
  for (let m = 0; m < b; m++) {
    for (let j = 0; j < k; j++) {
      const src = (m * k + j) * C
      for (let c = 0; c < C; c++) {
        if (!signs[src + c]) continue
        const bit = c * count * k + (start + m) * k + j
        words[bit >>> 5]! |= 1 << (bit & 31)
      }
    }
  }
}

export class SplineRecorder implements TrainCallback {
  readonly history: SplineHistory
  readonly detector: SplineEbDetector
  /** the codes of the last recorded epoch (what the spline criterion prunes with) */
  last: LayerCode[] | null = null

  constructor(
    readonly plans: LayerPlan[],
    private readonly probe: Probe,
    eb: SplineEbOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.history = new SplineHistory(plans.map((p) => p.id))
    this.detector = new SplineEbDetector(eb)
  }

  onEpochEnd(ctx: EngineContext, record: EpochRecord): void {
    const started = this.now()
    const codes = recordCodes(ctx.network, this.probe, this.plans)
    this.last = codes
    const row = this.history.add(codes)
    record.distanceRow = row
    record.ebPoint = this.detector.update(row[MEAN_LAYER]!)
    record.ebEpoch = this.detector.ebEpoch
    record.metrics.splineSeconds = (this.now() - started) / 1000
  }
}
