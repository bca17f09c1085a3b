/**
 * Which WebGPU adapters count as a CPU (software) rasteriser, which auto mode skips.
 */
import { describe, expect, it } from 'vitest'
import { summarizeAdapter, type AdapterInfoLike } from '../../../../../src-main/worker/backends/webgpu/adapter'

const LAVAPIPE: AdapterInfoLike = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
}
const RTX: AdapterInfoLike = { vendor: 'nvidia', architecture: 'lovelace', device: '', description: 'NVIDIA GeForce RTX 4090' }

describe('adapter classification', () => {
  it.each<[string, AdapterInfoLike, boolean]>([
    ['lavapipe (Dawn flags it)', LAVAPIPE, true],
    ['lavapipe without the flag', { ...LAVAPIPE, isFallbackAdapter: undefined, architecture: '' }, true],
    ['SwiftShader', { vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: 'SwiftShader Device (Subzero)' }, true],
    ['WARP', { vendor: 'microsoft', architecture: '', device: '', description: 'Microsoft Basic Render Driver' }, true],
    ['NVIDIA', RTX, false],
    ['AMD (radv)', { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' }, false],
    ['Intel', { vendor: 'intel', architecture: 'gen-12lp', device: '', description: 'Intel(R) UHD Graphics 770 (ADL-S GT1)' }, false],
    ['Apple', { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2' }, false],
  ])('%s', (_name, info, cpu) => {
    expect(summarizeAdapter({ info }).cpu).toBe(cpu)
  })

  it('reads the older GPUAdapter.isFallbackAdapter and tolerates missing fields', () => {
    expect(summarizeAdapter({ isFallbackAdapter: true })).toEqual({ vendor: '', architecture: '', device: '', description: '', cpu: true })
  })
})
