/**
 * Pruning to a MACs budget: the ratio at which the criterion's own selection leaves the target
 * MACs (±tolerance), found by bisection. A criterion's selection removes more as the ratio grows,
 * so the MACs fall in steps as the ratio rises; the search keeps the selection closest to the
 * target and says when no ratio reaches it within the tolerance (a step of one channel can be
 * larger than that in a small network).
 */
import type { ArchSpec } from '../../contract/arch'
import { countCosts } from '../flops'
import { prunedSpec } from './surgery'
import type { Selection } from './types'

export interface BudgetResult {
  ratio: number
  selection: Selection
  macs: number
  /** |macs − target| / target */
  error: number
  note: string
}

const MAX_RATIO = 0.999
const STEPS = 40

export function solveForMacs(spec: ArchSpec, select: (ratio: number) => Selection, target: number, tolerance: number): BudgetResult {
  const macsAt = (ratio: number) => {
    const selection = select(ratio)
    return { ratio, selection, macs: countCosts(prunedSpec(spec, selection)).macs }
  }
  let best = macsAt(0)
  const consider = (c: typeof best) => {
    if (Math.abs(c.macs - target) < Math.abs(best.macs - target) || (Math.abs(c.macs - target) === Math.abs(best.macs - target) && c.ratio < best.ratio))
      best = c
  }
  let lo = 0
  let hi = MAX_RATIO
  const top = macsAt(hi)
  consider(top)
  // above the target even at the highest ratio (the criterion's floor): `top` is as close as it gets
  if (top.macs <= target) {
    for (let i = 0; i < STEPS && Math.abs(best.macs - target) > tolerance * target; i++) {
      const mid = (lo + hi) / 2
      const c = macsAt(mid)
      consider(c)
      if (c.macs > target) lo = mid
      else hi = mid
    }
  }
  const error = Math.abs(best.macs - target) / target
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`
  const note =
    error <= tolerance
      ? `pruned to ${best.macs} MACs for a target of ${Math.round(target)} (${pct(error)} off; ratio ${best.ratio.toFixed(4)})`
      : `no ratio reaches ${Math.round(target)} MACs within ±${pct(tolerance)}: the closest selection has ${best.macs} (${pct(error)} off; ratio ${best.ratio.toFixed(4)})`
  return { ...best, error, note }
}
