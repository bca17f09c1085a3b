import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { ADDON_FUNCTIONS } from '../../../../src-main/worker/native/addon'
import { ADDON_PATH, loadNative, SKIP_REASON_PATH } from '../../../../src-main/worker/native/loader'
import { addonKind } from '../../../helpers/elfSymbols'
import { native, suiteName } from '../../../helpers/native'
import { tempDir } from '../../../helpers/tmp'

describe('native kernel loader', () => {
  const { dir, cleanup } = tempDir('native-loader-')
  afterAll(cleanup)

  it('says the kernels are not built where nothing is there', () => {
    const r = loadNative([join(dir, 'empty')])
    expect(r).toEqual({ ok: false, reason: 'native kernels not built (run `npm run build:native`)' })
  })

  it("passes on the build script's one-line reason", () => {
    const root = join(dir, 'skipped')
    mkdirSync(join(root, 'native', 'build'), { recursive: true })
    writeFileSync(join(root, SKIP_REASON_PATH), 'oneDNN headers not found (install libdnnl-dev)\nmore detail\n')
    expect(loadNative([root])).toEqual({ ok: false, reason: 'oneDNN headers not found (install libdnnl-dev)' })
  })

  it('reports an addon that does not load in one line naming it', () => {
    const root = join(dir, 'broken')
    mkdirSync(join(root, 'native', 'build', 'Release'), { recursive: true })
    writeFileSync(join(root, ADDON_PATH), 'not a shared object')
    const r = loadNative([root])
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.reason).toMatch(/^native kernels at .*spline_native\.node do not load: /)
      expect(r.reason).not.toContain('\n')
    }
  })
})

describe.skipIf(!native.ok)(suiteName('the built native addon'), () => {
  const n = native as Extract<typeof native, { ok: true }>

  it('loads in this Node through Node-API only (so Electron loads the same file)', () => {
    expect(addonKind(n.path)).toBe('node-api')
    for (const f of ADDON_FUNCTIONS) expect(typeof n.addon[f], f).toBe('function')
    expect(n.info.dnnl).toMatch(/^\d+\.\d+\.\d+$/)
    expect(n.info.dnnlRuntime).toBe('OpenMP')
    expect(n.info.napiVersion).toBe(8)
    expect(n.info.blas.length).toBeGreaterThan(0)
    // Nothing of V8's or Node's C++ API is imported (those would tie it to one Node/Electron ABI).
    const bytes = readFileSync(n.path).toString('latin1')
    expect(bytes).not.toMatch(/_ZN2v8|_ZN4node/)
  })

  it('runs in a worker thread (where the trainer loads it) while this thread uses it too', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const a = require(workerData)
      a.setThreads(1)
      const heap = new Uint8Array(new SharedArrayBuffer(64))
      const f = new Float32Array(heap.buffer)
      f.set([1, 2, 3, 4, 5, 6, 7, 8])
      a.gemm(heap, 0, 16, 32, Int32Array.of(1, 2, 2, 2, 1, 0, 0, 0))
      parentPort.postMessage({ c: Array.from(f.subarray(8, 12)), openmp: a.threads().openmp })`
    const worker = new Worker(code, { eval: true, workerData: n.path })
    const heap = new Uint8Array(64)
    const f = new Float32Array(heap.buffer)
    f.set([1, 2, 3, 4, 5, 6, 7, 8])
    n.addon.gemm(heap, 0, 16, 32, Int32Array.of(1, 2, 2, 2, 0, 1, 0, 0))
    const fromWorker = await new Promise<{ c: number[]; openmp: number }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(fromWorker).toEqual({ c: [26, 30, 38, 44], openmp: 1 }) // aᵀ·b
    expect(Array.from(f.subarray(8, 12))).toEqual([17, 23, 39, 53]) // a·bᵀ
  })

  it('sets the thread count of OpenMP and BLAS together and reports what they run with', () => {
    const before = n.addon.threads()
    try {
      expect(n.addon.setThreads(1)).toMatchObject({ requested: 1, openmp: 1, blas: 1 })
      expect(n.addon.setThreads(2)).toMatchObject({ requested: 2, openmp: 2, blas: 2 })
      expect(() => n.addon.setThreads(0)).toThrow(/^setThreads: the thread count must be an integer from 1 to 1024$/)
    } finally {
      n.addon.setThreads(Math.max(1, before.requested || before.openmp))
    }
  })

  it('works in place on a SharedArrayBuffer and on shared wasm memory across growth', () => {
    const product = (heap: Uint8Array): number[] => {
      const f = new Float32Array(heap.buffer, heap.byteOffset)
      f.set([1, 2, 3, 4], 0) // a 2×2
      f.set([5, 6, 7, 8], 4) // b 2×2
      n.addon.gemm(heap, 0, 16, 32, Int32Array.of(1, 2, 2, 2, 0, 0, 0, 0))
      return Array.from(f.subarray(8, 12))
    }
    expect(product(new Uint8Array(new SharedArrayBuffer(64)))).toEqual([19, 22, 43, 50])
    const { WebAssembly: Wasm } = globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: SharedArrayBuffer; grow(n: number): void } } }
    const memory = new Wasm.Memory({ initial: 1, maximum: 4, shared: true })
    expect(product(new Uint8Array(memory.buffer))).toEqual([19, 22, 43, 50])
    memory.grow(2)
    const grown = new Uint8Array(memory.buffer)
    expect(grown.byteLength).toBe(3 * 65536)
    expect(product(grown.subarray(2 * 65536))).toEqual([19, 22, 43, 50])
  })

  it('refuses offsets outside the heap in one line naming the operand', () => {
    const heap = new Uint8Array(64)
    expect(() => n.addon.gemm(heap, 0, 16, 60, Int32Array.of(1, 2, 2, 2, 0, 0, 0, 0))).toThrow(/^gemm c: offset 60 \+ 4 floats is outside the heap/)
    expect(() => n.addon.gemm(heap, 2, 16, 32, Int32Array.of(1, 2, 2, 2, 0, 0, 0, 0))).toThrow(/not 4-byte aligned/)
    expect(() => n.addon.conv2d(heap, 0, 0, 0, Int32Array.of(1, 2))).toThrow(/^conv2d geometry: expected 17 integers$/)
  })
})
