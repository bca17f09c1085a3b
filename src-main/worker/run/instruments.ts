/**
 * The run's recorders and their early-bird detectors, made from the plan's specs: the spline
 * recorder (codes on the probe → distance matrix → spline EB) and the BN-mask recorder (→ BN EB).
 * Both live for the whole run: restored on resume, saved in every checkpoint, read by the outcome.
 */
import type { TrainCallback } from '../../core/engine'
import type { Network } from '../../core/network'
import type { DetectorId, DetectorSpec, RecorderId, RunPlan } from '../../core/plan'
import { BnEbRecorder } from '../../core/bnEbRecorder'
import { SplineRecorder, planCodes, type Probe } from '../../core/splineRecorder'

export interface Instruments {
  spline: SplineRecorder
  bnEb: BnEbRecorder
  /** the engine callback that records `id` */
  recorder(id: RecorderId): TrainCallback
  /** the detector's ticket epoch so far (null: none yet) */
  ticketEpoch(id: DetectorId): number | null
}

export function createInstruments(plan: RunPlan, network: Network, probe: Probe, budgetBits: number, now: () => number): Instruments {
  const spec = <I extends DetectorId>(id: I) => {
    const d = plan.detectors.find((x) => x.id === id)
    if (!d) throw new Error(`the plan has no '${id}' detector`)
    return d as Extract<DetectorSpec, { id: I }>
  }
  const eb = spec('spline-eb')
  const bn = spec('bn-eb')
  const spline = new SplineRecorder(planCodes(network, probe, budgetBits, plan.seed), probe, { window: eb.window, epsilon: eb.epsilon }, now)
  const bnEb = new BnEbRecorder({ ratio: bn.ratio, queue: bn.queue, threshold: bn.threshold })
  const recorders: Record<RecorderId, TrainCallback> = { 'spline-codes': spline, 'bn-mask': bnEb }
  const detectors: Record<DetectorId, () => number | null> = { 'spline-eb': () => spline.detector.ebEpoch, 'bn-eb': () => bnEb.detector.ebEpoch }
  return { spline, bnEb, recorder: (id) => recorders[id], ticketEpoch: (id) => detectors[id]() }
}
