/**
 * Main-process handle on the trainer worker: spawns it once, forwards its messages, and turns a
 * crash of the worker into a `failed` message for the run it was training (then respawns).
 */
import { Worker } from 'node:worker_threads'
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join, resolve } from 'node:path'
import type { BackendInfo, PartitionResult, RunConfig } from '../contract/api'
import type { FromWorker, PartitionJob, ToWorker } from './protocol'
import { setting } from '../settings/settings'

export interface TrainerOptions {
  /** built worker entry (out/main/trainer.js); found next to this bundle by default */
  workerPath?: string
  backend?: string
}

export interface Trainer {
  ready(): Promise<BackendInfo>
  start(runId: string, config: RunConfig, dataDir?: string, resume?: { epoch: number }): void
  cancel(runId: string): void
  onMessage(listener: (m: FromWorker) => void): () => void
  close(): Promise<void>
  /** computed by the worker between training batches (optional: test fakes may lack it) */
  partition?(request: PartitionJob): Promise<PartitionResult>
}

export function defaultWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'trainer.js'), join(here, '../trainer.js'), resolve(here, '../../out/main/trainer.js')]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`trainer worker bundle not found (looked in ${candidates.join(', ')}); run 'npm run build'`)
  return found
}

export class TrainerClient implements Trainer {
  private worker: Worker | null = null
  private readonly events = new EventEmitter()
  private readyPromise: Promise<BackendInfo> | null = null
  private activeRun: string | null = null
  private closing = false
  private nextRequest = 1
  private readonly pending = new Map<number, { resolve: (r: PartitionResult) => void; reject: (e: Error) => void }>()

  constructor(private readonly options: TrainerOptions = {}) {}

  ready(): Promise<BackendInfo> {
    if (!this.readyPromise) this.spawn()
    return this.readyPromise!
  }

  start(runId: string, config: RunConfig, dataDir?: string, resume?: { epoch: number }): void {
    if (!this.worker) this.spawn()
    this.activeRun = runId
    this.send({ type: 'start', runId, config, dataDir, resume })
  }

  cancel(runId: string): void {
    this.send({ type: 'cancel', runId })
  }

  partition(request: PartitionJob): Promise<PartitionResult> {
    if (!this.worker) this.spawn()
    const requestId = this.nextRequest++
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject })
      this.send({ type: 'partition', requestId, request })
    })
  }

  onMessage(listener: (m: FromWorker) => void): () => void {
    this.events.on('message', listener)
    return () => this.events.off('message', listener)
  }

  async close(): Promise<void> {
    this.closing = true
    for (const waiting of this.pending.values()) waiting.reject(new Error('the trainer was closed'))
    this.pending.clear()
    const w = this.worker
    this.worker = null
    if (w) await w.terminate()
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m)
  }

  private spawn(): void {
    const worker = new Worker(this.options.workerPath ?? defaultWorkerPath(), {
      workerData: { backend: this.options.backend ?? setting('backend') },
    })
    this.worker = worker
    this.readyPromise = new Promise<BackendInfo>((resolveReady, rejectReady) => {
      const onReady = (m: FromWorker) => {
        if (m.type === 'ready') resolveReady(m.info)
        else if (m.type === 'fatal') rejectReady(new Error(m.error))
        else return
        this.events.off('message', onReady)
      }
      this.events.on('message', onReady)
    })
    this.readyPromise.catch(() => {})
    worker.on('message', (m: FromWorker) => {
      // Partition replies answer one caller; they are not run events.
      if (m.type === 'partition' || m.type === 'partition-failed') {
        const waiting = this.pending.get(m.requestId)
        this.pending.delete(m.requestId)
        if (m.type === 'partition') waiting?.resolve(m.result)
        else waiting?.reject(new Error(m.error))
        return
      }
      if ((m.type === 'done' || m.type === 'failed') && m.runId === this.activeRun) this.activeRun = null
      this.events.emit('message', m)
    })
    const onDeath = (why: string) => {
      if (this.worker !== worker) return
      this.worker = null
      this.readyPromise = null
      const runId = this.activeRun
      this.activeRun = null
      for (const waiting of this.pending.values()) waiting.reject(new Error(`trainer stopped: ${why}`))
      this.pending.clear()
      if (runId) this.events.emit('message', { type: 'failed', runId, error: `trainer stopped: ${why}` } satisfies FromWorker)
    }
    worker.on('error', (err) => onDeath(err.message))
    worker.on('exit', (code) => {
      if (!this.closing) onDeath(`worker exited with code ${code}`)
    })
  }
}
