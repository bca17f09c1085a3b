/**
 * Engine callback for the original EB detector: one |γ| mask over the prunable channels at
 * initialisation and after every epoch (= at the start of the next one, as the reference does).
 */
import type { EngineContext, EpochRecord, TrainCallback } from './engine'
import { BnEbDetector, type BnEbOptions, type BnEbPoint } from './bnEb'
import type { Network } from './network'
import { channelGroups } from './spec'

export function prunableGammaAbs(network: Network): Float32Array {
  const parts = channelGroups(network.spec).map((g) => network.param(`${g.id}.gamma`).dataSync() as Float32Array)
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[o + i] = Math.abs(p[i]!)
    o += p.length
  }
  return out
}

export class BnEbRecorder implements TrainCallback {
  readonly detector: BnEbDetector
  last: BnEbPoint | null = null

  constructor(options: BnEbOptions) {
    this.detector = new BnEbDetector(options)
  }

  onTrainBegin(ctx: EngineContext): void {
    if (this.detector.trace.length === 0) this.detector.update(prunableGammaAbs(ctx.network), ctx.epoch)
  }

  onEpochEnd(ctx: EngineContext, record: EpochRecord): void {
    this.last = this.detector.update(prunableGammaAbs(ctx.network), ctx.epoch)
    record.bnEbPoint = this.last
    record.bnEbEpoch = this.detector.ebEpoch
  }
}
