/**
 * Data-parallel training for a run: replicas per network (pruning changes the shapes, so a new
 * network gets new replicas), and whether any trainer fell back to one worker on the way.
 */
import type { Network } from '../../core/network'
import { testHooks } from '../checkpointFile'
import { startParallelTrainer, type ParallelTrainer } from '../parallel/parallelStep'

export class Replicas {
  private trainer: ParallelTrainer | null = null
  /** set once a phase's trainer fell back to one worker, so the run's record says so at the end */
  private fellBackBefore = false

  constructor(
    /** workers decided for the run (1: no replicas) */
    readonly requested: number,
    private readonly shape: { featureSize: number; numClasses: number; batchSize: number },
  ) {}

  /** The trainer for `net`, started on first use; null when the run trains on one worker. */
  async for(net: Network): Promise<ParallelTrainer | null> {
    if (this.requested < 2) return null
    if (this.trainer?.network === net) return this.trainer
    this.fellBackBefore ||= this.trainer?.fallbackReason != null
    await this.trainer?.close()
    this.trainer = null
    this.trainer = await startParallelTrainer({ network: net, ...this.shape, workers: this.requested, faults: testHooks().replicaFaults() })
    return this.trainer
  }

  /** workers the current trainer trains on (the decision while none has started) */
  get workers(): number {
    return this.trainer?.workers ?? this.requested
  }

  get fellBack(): boolean {
    return this.fellBackBefore || this.trainer?.fallbackReason != null
  }

  async close(): Promise<void> {
    await this.trainer?.close()
  }
}
