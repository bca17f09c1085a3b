import type { BackendInfo, RunConfig } from '../../src-main/contract/api'
import type { Trainer } from '../../src-main/worker/trainerClient'
import type { FromWorker } from '../../src-main/worker/protocol'

/** A trainer that trains nothing: it records what the service asks and replays the messages a test gives it. */
export class FakeTrainer implements Trainer {
  readonly started: { runId: string; config: RunConfig; dataDir?: string; resume?: { epoch: number } }[] = []
  readonly cancelled: string[] = []
  private readonly listeners = new Set<(m: FromWorker) => void>()

  ready(): Promise<BackendInfo> {
    return Promise.resolve({ backend: 'cpu', requested: 'auto', attempts: [], tfjsVersion: 'test', customKernels: [] })
  }

  start(runId: string, config: RunConfig, dataDir?: string, resume?: { epoch: number }): void {
    this.started.push({ runId, config, dataDir, resume })
  }

  cancel(runId: string): void {
    this.cancelled.push(runId)
  }

  onMessage(listener: (m: FromWorker) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }

  emit(message: FromWorker): void {
    for (const l of this.listeners) l(message)
  }
}

export const doneMessage = (runId: string, outcome: 'finished' | 'cancelled' = 'finished'): FromWorker => ({
  type: 'done',
  runId,
  outcome,
  testAccuracy: 0.9,
  ebEpoch: null,
  bnEbEpoch: null,
  params: 10,
  macs: 10,
  flops: 20,
  paramsBefore: 10,
  macsBefore: 10,
  trainFlops: 100,
  wallSeconds: 1,
})

export const epochMessage = (runId: string, epoch: number, checkpoint: string | null = null): FromWorker => ({
  type: 'epoch',
  runId,
  metrics: {
    epoch,
    phase: 'dense',
    trainLoss: 1 / epoch,
    trainAccuracy: 0.5,
    testLoss: 1,
    testAccuracy: 0.5 + epoch / 100,
    lr: 0.1,
    seconds: 0.1,
    splineSeconds: 0,
  },
  distanceRows: {
    'fc1.bn': Array.from({ length: epoch }, (_, i) => (i === epoch - 1 ? 0 : 0.1)),
    mean: Array.from({ length: epoch }, (_, i) => (i === epoch - 1 ? 0 : 0.1)),
  },
  ebTrace: { epoch, maxDistance: null, threshold: 0.16 },
  ebEpoch: null,
  bnEbTrace: null,
  checkpoint,
})
