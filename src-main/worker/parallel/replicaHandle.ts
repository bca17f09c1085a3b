/**
 * The trainer's side of one replica thread: spawn and handshake, issue a step through shared
 * memory, wait for it without blocking the trainer's event loop (Atomics.waitAsync, so cancel
 * messages and the thread's own exit event still arrive), and terminate.
 */
import { Worker } from 'node:worker_threads'
import { CMD_STEP, CMD_STOP, CTRL, STATUS_FAILED, readError, replicaViews, type ReplicaViews } from './layout'
import type { FromReplica, ReplicaInit } from './replica'

type WaitAsync = (a: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> }
// ES2024 API, not in this project's lib (ES2023); present in Node ≥ 16.
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync

export interface ReplicaReady {
  backend: string
  kernels: string[]
  threads: number
}

export class ReplicaHandle {
  readonly views: ReplicaViews
  private readonly worker: Worker
  /** why the thread is gone (exit, error), or null while it lives */
  private deathReason: string | null = null
  private readonly died: Promise<void>
  private issued = 0
  private stopping = false

  constructor(
    path: string,
    readonly init: ReplicaInit,
  ) {
    this.views = replicaViews(init.buffer, init.layout)
    this.worker = new Worker(path, { workerData: init })
    // Idle replicas must not keep a process alive whose owner forgot dispose(); while a step is
    // awaited, its timeout timer holds the event loop open instead.
    this.worker.unref()
    this.died = new Promise((resolve) => {
      this.worker.on('error', (err) => {
        this.deathReason ??= `replica ${init.index} crashed: ${err.message.split('\n')[0]}`
        resolve()
      })
      this.worker.on('exit', (code) => {
        this.deathReason ??= this.stopping ? `replica ${init.index} was stopped` : `replica ${init.index} exited with code ${code}`
        resolve()
      })
    })
  }

  get dead(): string | null {
    return this.deathReason
  }

  /** Resolves with what the replica runs on, or rejects with why it did not start. */
  ready(timeoutMs: number): Promise<ReplicaReady> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`replica ${this.init.index} did not start within ${timeoutMs} ms`)), timeoutMs)
      const onMessage = (m: FromReplica) => finish(m.type === 'ready' ? m : new Error(`replica ${this.init.index} failed to start: ${m.error}`))
      const finish = (result: ReplicaReady | Error) => {
        clearTimeout(timer)
        this.worker.off('message', onMessage)
        if (result instanceof Error) reject(result)
        else resolve({ backend: result.backend, kernels: result.kernels, threads: result.threads })
      }
      this.worker.on('message', onMessage)
      void this.died.then(() => finish(new Error(`${this.deathReason} while starting`)))
    })
  }

  /** Hands the replica a shard already written to its views; returns the command's number. */
  issue(count: number): number {
    const { ctrl } = this.views
    ctrl[CTRL.COUNT] = count
    ctrl[CTRL.CMD] = CMD_STEP
    this.issued = Atomics.add(ctrl, CTRL.SEQ, 1) + 1
    Atomics.notify(ctrl, CTRL.SEQ)
    return this.issued
  }

  /** Waits for the issued step; rejects on a crash, a failed step or the deadline. */
  async result(deadline: number): Promise<void> {
    const { ctrl } = this.views
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE)
      if (done === this.issued) break
      if (this.deathReason) throw new Error(this.deathReason)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`replica ${this.init.index} did not answer within the step timeout`)
      const wait = waitAsync(ctrl, CTRL.DONE, done, left)
      if (!wait.async) continue
      let timer: NodeJS.Timeout | undefined
      await Promise.race([wait.value, this.died, new Promise((r) => (timer = setTimeout(r, left)))])
      clearTimeout(timer)
    }
    if (ctrl[CTRL.STATUS] === STATUS_FAILED) throw new Error(`replica ${this.init.index} failed: ${readError(this.views)}`)
  }

  /** Asks the replica to leave its loop, then ends the thread either way. */
  async terminate(): Promise<void> {
    this.stopping = true
    const { ctrl } = this.views
    ctrl[CTRL.CMD] = CMD_STOP
    Atomics.add(ctrl, CTRL.SEQ, 1)
    Atomics.notify(ctrl, CTRL.SEQ)
    await this.worker.terminate()
  }
}
