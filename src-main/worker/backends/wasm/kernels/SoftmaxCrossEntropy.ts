/**
 * The fused training loss of core/crossEntropy.ts for wasm: loss, gradient and hits of a batch in
 * one pass over its logits (a few thousand values), in float64 on the heap, instead of about 25
 * kernel dispatches with their allocations.
 */
import * as tf from '@tensorflow/tfjs'
import { SOFTMAX_CROSS_ENTROPY } from '../../../../core/crossEntropy'
import { asWasm, f32, type KernelArgs, type WasmKernel, type WasmKernelFunc } from './util'

function softmaxCrossEntropy(args: KernelArgs): tf.TensorInfo[] {
  const { logits, labels } = args.inputs as Record<'logits' | 'labels', tf.TensorInfo>
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) {
    throw new Error(`${SOFTMAX_CROSS_ENTROPY} (wasm): logits must be float32 [N, C], got ${logits.dtype} [${logits.shape}]`)
  }
  const [N, C] = logits.shape as [number, number]
  if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== N) {
    throw new Error(`${SOFTMAX_CROSS_ENTROPY} (wasm): labels must be int32 [${N}], got ${labels.dtype} [${labels.shape}]`)
  }
  const w = asWasm(args.backend)
  const loss = w.makeOutput([], 'float32')
  const grad = w.makeOutput([N, C], 'float32')
  const hits = w.makeOutput([], 'float32')
  // views only after the allocations: a heap grow detaches older ones
  const x = f32(w, logits)
  const y = w.typedArrayFromHeap(labels) as Int32Array
  const g = f32(w, grad)
  let total = 0
  let correct = 0
  for (let i = 0; i < N; i++) {
    const row = i * C
    let best = 0
    // the first maximum, as tf.argMax on cpu (a NaN never wins)
    for (let c = 1; c < C; c++) if (x[row + c]! > x[row + best]!) best = c
    const max = x[row + best]!
    let s = 0
    for (let c = 0; c < C; c++) s += Math.exp(x[row + c]! - max)
    const label = y[i]!
    const valid = label >= 0 && label < C
    if (valid) total += max + Math.log(s) - x[row + label]!
    if (valid && best === label) correct++
    for (let c = 0; c < C; c++) g[row + c] = (Math.exp(x[row + c]! - max) / s - (c === label ? 1 : 0)) / N
  }
  f32(w, loss)[0] = N > 0 ? total / N : 0
  f32(w, hits)[0] = correct
  return [loss, grad, hits]
}

export const softmaxCrossEntropyKernel: WasmKernel = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  override: false,
  create: (): WasmKernelFunc => softmaxCrossEntropy as unknown as WasmKernelFunc,
}
