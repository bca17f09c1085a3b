/** How a train phase's plan reads once the run reaches it: its length and its learning rate per epoch. */
import { multiStepLr } from '../sgd'
import type { LrSchedule, TrainPhase } from './types'

/** The epochs a train phase runs at most when `offset` epochs of the run are done before it. */
export function phaseEpochs(phase: TrainPhase, offset: number): number {
  return 'count' in phase.epochs ? phase.epochs.count : phase.epochs.untilEpoch - offset
}

/** The learning rate of every (0-based, run-wide) epoch index of a phase that starts after `offset` epochs. */
export function lrAt(lr: LrSchedule, offset: number): (epochIndex: number) => number {
  const origin = lr.origin === 'phase' ? offset : 0
  return (e) => multiStepLr(lr.base, e - origin, lr.span, lr.milestones)
}
