/**
 * The chain's `tensorflow` backends: @tensorflow/tfjs-node-gpu (CUDA) and @tensorflow/tfjs-node
 * (TensorFlow's C library on the CPU), optional dependencies that register the backend when
 * imported. tfjs-node's native binding loads in one worker per process only (tfjs #8388).
 */
import { createRequire } from 'node:module'
import type { Backend } from './types'

const localRequire = createRequire(import.meta.url)

export const tfjsNodeGpuBackend: Backend = { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node-gpu') }

export const tfjsNodeBackend: Backend = { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node') }

async function importOptional(pkg: string): Promise<void> {
  try {
    localRequire.resolve(pkg)
  } catch {
    throw new Error('not installed (optional dependency)')
  }
  await import(/* @vite-ignore */ pkg)
}
