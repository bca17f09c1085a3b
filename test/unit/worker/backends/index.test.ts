/**
 * The backend chain's decisions, with fake engines and fake WebGPU adapters: which candidate
 * wins, what each skipped one records, that auto mode decides on the out-of-process probe and
 * loads Dawn only for a real GPU, and that a device that then fails is released again.
 */
import { describe, expect, it } from 'vitest'
import { backendLabel, type WebgpuAdapterSummary } from '../../../../src-main/contract/api'
import { selectBackend, type Backend, type Chain } from '../../../../src-main/worker/backends'
import type { AdapterInfoLike } from '../../../../src-main/worker/backends/webgpu/adapter'
import { webgpuBackend, type WebgpuLoad, type WebgpuPlatform } from '../../../../src-main/worker/backends/webgpu'

const LAVAPIPE: AdapterInfoLike = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
}
const RTX: AdapterInfoLike = { vendor: 'nvidia', architecture: 'lovelace', device: '', description: 'NVIDIA GeForce RTX 4090' }

interface Fakes {
  chain: Chain
  platform: { probes: number; registered: number; released: number; gpus: number }
}

/** A chain whose backends named in `works` start, with `adapter` behind the fake Dawn. */
function fakeChain(opts: { adapter?: AdapterInfoLike | null; dawn?: 'missing'; probe?: 'crash'; works?: string[]; readback?: number } = {}): Fakes {
  const works = new Set(opts.works ?? ['webgpu', 'wasm', 'cpu'])
  const state = { probes: 0, registered: 0, released: 0, gpus: 0 }
  const adapter = () => (opts.adapter === null ? null : { info: opts.adapter ?? LAVAPIPE })
  const platform: WebgpuPlatform = {
    async probe() {
      if (opts.dawn === 'missing') throw new Error('not installed (optional dependency webgpu)')
      if (opts.probe === 'crash') throw new Error('adapter probe crashed (SIGSEGV)')
      state.probes++
      return adapter()
    },
    async gpu() {
      if (opts.dawn === 'missing') throw new Error('not installed (optional dependency webgpu)')
      state.gpus++
      return { requestAdapter: async () => adapter() }
    },
    async registerBackend() {
      state.registered++
    },
    async release() {
      state.released++
    },
  }
  const notInstalled = async () => {
    throw new Error('not installed (optional dependency)')
  }
  const webgpu: WebgpuLoad = {}
  const candidates: Backend[] = [
    { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', load: notInstalled },
    { name: '@tensorflow/tfjs-node', backend: 'tensorflow', load: notInstalled },
    webgpuBackend(platform, webgpu),
    { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', load: async () => {} },
    { name: 'cpu (plain JavaScript)', backend: 'cpu', load: async () => {} },
  ]
  let current = 'cpu'
  const chain: Chain = {
    candidates,
    engine: {
      // tfjs resolves false (and stays where it was) when a backend fails to start.
      setBackend: async (name) => {
        if (!works.has(name)) return false
        current = name
        return true
      },
      getBackend: () => current,
      ready: async () => {},
      version: '4.22.0',
      check: () => {
        if (current === 'webgpu' && opts.readback !== undefined && opts.readback !== 10) throw new Error(`sum(1..4) read back as ${opts.readback}`)
      },
    },
  }
  return { chain, platform: state }
}

const reasonOf = (info: { attempts: { candidate: string; reason?: string }[] }, candidate: string) =>
  info.attempts.find((a) => a.candidate === candidate)?.reason

describe('backend chain', () => {
  it('auto: skips a CPU adapter for wasm and says why, without loading Dawn into the trainer', async () => {
    const { chain, platform } = fakeChain()
    const info = await selectBackend('auto', chain)
    expect(info.backend).toBe('wasm')
    expect(info.attempts.map((a) => [a.candidate, a.ok])).toEqual([
      ['@tensorflow/tfjs-node-gpu', false],
      ['@tensorflow/tfjs-node', false],
      ['webgpu (Dawn)', false],
      ['@tensorflow/tfjs-backend-wasm', true],
    ])
    expect(reasonOf(info, 'webgpu (Dawn)')).toBe(
      'skipped: CPU adapter (mesa llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1) trains slower than wasm; force it with --backend webgpu',
    )
    expect(info.webgpu).toMatchObject({ vendor: 'mesa', cpu: true })
    expect(platform).toEqual({ probes: 1, gpus: 0, registered: 0, released: 0 })
  })

  it('auto: takes a real GPU before wasm', async () => {
    const { chain, platform } = fakeChain({ adapter: RTX })
    const info = await selectBackend('auto', chain)
    expect(info.backend).toBe('webgpu')
    expect(info.attempts.at(-1)).toEqual({ candidate: 'webgpu (Dawn)', ok: true })
    expect(info.webgpu).toEqual({ vendor: 'nvidia', architecture: 'lovelace', device: '', description: 'NVIDIA GeForce RTX 4090', cpu: false })
    expect(backendLabel(info)).toBe('webgpu (NVIDIA GeForce RTX 4090)')
    expect(platform).toEqual({ probes: 1, gpus: 1, registered: 1, released: 0 })
  })

  it('forced: uses a CPU adapter when webgpu is asked for by name, and tries nothing else', async () => {
    const { chain, platform } = fakeChain()
    const info = await selectBackend('webgpu', chain)
    expect(info).toMatchObject({ backend: 'webgpu', requested: 'webgpu', attempts: [{ candidate: 'webgpu (Dawn)', ok: true }] })
    expect(info.webgpu?.cpu).toBe(true)
    expect(backendLabel(info)).toBe('webgpu (mesa llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1, CPU adapter)')
    expect(platform).toEqual({ probes: 0, gpus: 1, registered: 1, released: 0 })
  })

  it('records a missing package or driver and goes on; forced, it fails with the reason', async () => {
    const missing = await selectBackend('auto', fakeChain({ dawn: 'missing' }).chain)
    expect(missing.backend).toBe('wasm')
    expect(reasonOf(missing, 'webgpu (Dawn)')).toBe('not installed (optional dependency webgpu)')
    expect(missing.webgpu).toBeUndefined()

    const noDriver = fakeChain({ adapter: null })
    const info = await selectBackend('auto', noDriver.chain)
    expect(info.backend).toBe('wasm')
    expect(reasonOf(info, 'webgpu (Dawn)')).toMatch(/^no WebGPU adapter \(needs a Vulkan, Metal or D3D12 driver/)
    expect(noDriver.platform).toEqual({ probes: 1, gpus: 0, registered: 0, released: 0 })

    const crash = await selectBackend('auto', fakeChain({ probe: 'crash' }).chain)
    expect(crash.backend).toBe('wasm')
    expect(reasonOf(crash, 'webgpu (Dawn)')).toBe('adapter probe crashed (SIGSEGV)')

    const forced = fakeChain({ adapter: null })
    await expect(selectBackend('webgpu', forced.chain)).rejects.toThrow(/^backend 'webgpu' is not available \(webgpu \(Dawn\): no WebGPU adapter/)
    // Dawn was loaded to look, and let go again so the worker can exit.
    expect(forced.platform).toEqual({ probes: 0, gpus: 1, registered: 0, released: 1 })
  })

  it('verifies the switch and a readback; a failure after loading frees the device', async () => {
    const refused = fakeChain({ adapter: RTX, works: ['wasm', 'cpu'] })
    const info = await selectBackend('auto', refused.chain)
    expect(info.backend).toBe('wasm')
    expect(reasonOf(info, 'webgpu (Dawn)')).toBe("tf.setBackend('webgpu') did not take effect (still 'cpu')")
    expect(refused.platform).toEqual({ probes: 1, gpus: 1, registered: 1, released: 1 })

    const wrong = fakeChain({ adapter: RTX, readback: 9 })
    const info2 = await selectBackend('auto', wrong.chain)
    expect(info2.backend).toBe('wasm')
    expect(reasonOf(info2, 'webgpu (Dawn)')).toBe('sum(1..4) read back as 9')
    expect(wrong.platform.released).toBe(1)
  })

  it('reports what the backends say of themselves: kernels of a loaded one, threads of the one running', async () => {
    const withKernels = (chain: Chain): Chain => {
      const wasm = chain.candidates.find((c) => c.backend === 'wasm')!
      wasm.capabilities = (running) => ({
        customKernels: ['K1', 'K2'],
        ...(running === 'wasm' ? { wasmThreads: { requested: 1, threads: 1, gemmThreads: 2 } } : {}),
      })
      return chain
    }
    const info = await selectBackend('auto', withKernels(fakeChain().chain))
    expect(info.backend).toBe('wasm')
    expect(Object.keys(info)).toEqual(['backend', 'requested', 'attempts', 'tfjsVersion', 'customKernels', 'webgpu', 'wasmThreads'])
    expect(info).toMatchObject({ customKernels: ['K1', 'K2'], wasmThreads: { requested: 1, threads: 1, gemmThreads: 2 } })
    expect(backendLabel(info)).toBe('wasm (1 thread, dense products on 2)')

    const fellThrough = await selectBackend('auto', withKernels(fakeChain({ works: ['cpu'] }).chain))
    expect(fellThrough.backend).toBe('cpu')
    expect(fellThrough.customKernels).toEqual(['K1', 'K2'])
    expect(fellThrough.wasmThreads).toBeUndefined()

    const plain = await selectBackend('auto', fakeChain().chain)
    expect(plain.customKernels).toEqual([])
  })

  it('names an unknown backend', async () => {
    await expect(selectBackend('metal', fakeChain().chain)).rejects.toThrow("backend 'metal' is not available (unknown backend)")
  })
})

describe('backend label', () => {
  const base = { backend: 'wasm' }
  it.each<[object, string]>([
    [{ ...base, wasmThreads: { requested: 1, threads: 1, reason: 'one thread requested (SPLINE_LAB_WASM_THREADS)' } }, 'wasm (1 thread)'],
    [{ ...base, wasmThreads: { requested: 2, threads: 2 } }, 'wasm (2 threads)'],
    [{ ...base, wasmThreads: { requested: 4, threads: 1, reason: 'no SharedArrayBuffer' } }, 'wasm (1 thread of 4 requested: no SharedArrayBuffer)'],
    [{ backend: 'cpu' }, 'cpu'],
    // The adapter belongs in the label only when webgpu is what runs.
    [{ backend: 'wasm', webgpu: { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe', cpu: true } satisfies WebgpuAdapterSummary }, 'wasm'],
  ])('%j → %s', (info, label) => {
    expect(backendLabel(info as Parameters<typeof backendLabel>[0])).toBe(label)
  })
})
