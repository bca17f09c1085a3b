/**
 * Entry of a kernel helper thread (built to out/main/kernelHelper.js, and out/bench/ for the
 * bench), started by helperPool.ts: it instantiates our SIMD modules on the wasm backend's shared
 * memory and runs the chunks of the pool's jobs it claims, with the caller's own code
 * (dispatch.ts). It never returns to the event loop: between jobs it spins briefly, then sleeps
 * in Atomics.wait until the caller publishes the next job or tells it to stop.
 */
import { workerData } from 'node:worker_threads'
import { claimChunks, controlOf, instantiateBandKernels, LAYOUT, SEQ, type HelperData } from './dispatch'

/** A helper spins this long for the next job before it sleeps: waking a sleeping thread takes
 * 0.1–2 ms on a virtual machine's idle core, as long as a whole product, and most jobs of a
 * training step follow each other within it. Longer spins buy nothing on idle cores and cost
 * the caller its core when another process is busy (mlp, one core busy: 3,700 samples/s with
 * 2 ms, 4,600 with 0.5 ms; 5,100 on one thread). */
const SPIN_MS = 0.5

const data = workerData as HelperData
if (data.layout !== LAYOUT) throw new Error("the kernel helper bundle does not match this trainer's job layout; run 'npm run build'")
const control = controlOf(data.ctrl)
const kernels = instantiateBandKernels(data)
const { ctrl } = control

let seen = 0
for (;;) {
  let job = Atomics.load(ctrl, SEQ)
  const until = performance.now() + SPIN_MS
  while (job === seen) {
    for (let spin = 0; job === seen && spin < 1000; spin++) job = Atomics.load(ctrl, SEQ)
    if (performance.now() > until) break
  }
  if (job === seen) {
    Atomics.wait(ctrl, SEQ, seen)
    continue
  }
  if (job < 0) break
  seen = job
  claimChunks(control, job, kernels)
}
