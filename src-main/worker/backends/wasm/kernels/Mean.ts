/**
 * Mean for wasm: Sum.ts's float64 sums divided by the count before the one rounding to float32,
 * where stock wasm (and cpu) round every x/n or running total on the way.
 */
import * as tf from '@tensorflow/tfjs'
import { reduceKernel } from './Sum'
import type { WasmKernel } from './util'

export const meanKernel: WasmKernel = { kernelName: tf.Mean, override: true, create: (s) => reduceKernel(true, s) }
