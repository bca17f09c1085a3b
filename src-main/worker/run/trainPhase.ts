/**
 * Carries out one train phase of the plan: its epochs (a resumed phase skips those its checkpoint
 * holds), its lr schedule and optimizer, its recorders, the ticket that may end it, checkpoints,
 * messages, and the training FLOPs it accounts.
 */
import { TrainingEngine, type TrainCallback, type TrainOutcome } from '../../core/engine'
import { countCosts } from '../../core/flops'
import { lrAt, phaseEpochs, type TrainPhase } from '../../core/plan'
import { SgdMomentum } from '../../core/sgd'
import { checkpointer } from '../jobCheckpoints'
import type { RunContext } from './context'
import { progress, publisher } from './messages'
import type { CropFlip } from '../../core/augment'

/** pad-4 crop + flip of the run's images; a padded pixel is raw black after the dataset's normalisation */
function cropFlipOf(run: RunContext): CropFlip {
  const shape = run.data.inputShape
  if (shape.length !== 3) throw new Error(`augment: crop-flip needs image data, the dataset gives [${shape.join('×')}]`)
  const stats = run.data.stats
  const fill = Array.from({ length: shape[2]! }, (_, c) => (stats ? (0 - stats.mean[c]!) / (stats.std[c]! > 1e-8 ? stats.std[c]! : 1) : 0))
  return { shape: shape as [number, number, number], fill, pad: 4 }
}

export async function executeTrainPhase(run: RunContext, phase: TrainPhase): Promise<TrainOutcome> {
  const { config, hooks, instruments, resumed } = run
  const net = run.network
  const offset = run.epoch
  const epochs = phaseEpochs(phase, offset)
  const ticket = phase.ticket
  const stopWhen = () => ticket !== null && instruments.ticketEpoch(ticket.detector) !== null
  const account = (ran: number) => {
    run.costs.push({ flops: countCosts(net.spec).flops, images: phase.accounts.images, epochs: ran })
    run.epoch = offset + ran
  }
  // A resumed phase skips the epochs its checkpoint holds; one already complete is not re-entered.
  const from = resumed && resumed.data.phase === phase.label ? resumed.data.phaseEpoch : 0
  if (epochs <= 0) return 'finished'
  if (from > 0 && (from >= epochs || stopWhen())) {
    account(from)
    return 'finished'
  }
  const par = await run.replicas.for(net)
  const optimizer = new SgdMomentum({ lr: phase.lr.base, ...phase.optimizer })
  // Without buffers (an older checkpoint, the newest being damaged) momentum restarts here.
  if (from > 0 && resumed!.data.optimizer) optimizer.load(resumed!.data.optimizer)
  let ran = from
  const counter: TrainCallback = { onEpochRecorded: () => void ran++ }
  const seed = run.plan.seed + offset
  const engine = new TrainingEngine({
    network: net,
    optimizer,
    data: run.data,
    epochs,
    batchSize: phase.batchSize,
    seed,
    lrAt: lrAt(phase.lr, offset),
    epochOffset: offset,
    phase: phase.label,
    now: run.now,
    stopWhen,
    shouldStop: hooks.isCancelled,
    yieldEvery: () => new Promise((r) => setImmediate(r)),
    startEpoch: from,
    step: par?.step(optimizer),
    augment: phase.augment === 'crop-flip' ? cropFlipOf(run) : null,
  })
  const saver = run.checkpoints
    ? [
        checkpointer(run.checkpoints, {
          phase: phase.label,
          offset,
          seed,
          network: net,
          optimizer,
          recorder: phase.recorders.includes('spline-codes') ? instruments.spline : null,
          splineEb: () => instruments.spline.detector.ebEpoch,
          bnEb: instruments.bnEb.detector,
          pruning: run.pruning,
          completedPhases: [...run.costs],
          trainWorkers: () => par?.workers ?? 1,
        }),
      ]
    : []
  const recorders = phase.recorders.map((id) => instruments.recorder(id))
  const report = [publisher(run.runId, hooks.post, config.eb.epsilon, run.report), progress(run.runId, hooks.post, run.now, run.total)]
  try {
    const outcome = await engine.run([...recorders, counter, ...saver, ...report])
    account(ran)
    return outcome
  } finally {
    optimizer.dispose()
  }
}
