import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeMemory } from '../../bench/splineWatch'
import { benchSpec } from '../../bench/models'
import { RunConfigSchema } from '../../src-main/contract/runConfig'
import { Network } from '../../src-main/core/network'
import type { ArchSpec } from '../../src-main/contract/arch'
import { planCodes, recordCodes } from '../../src-main/core/splineRecorder'
import { initWasmBackend } from '../helpers/wasm'

beforeAll(async () => {
  await initWasmBackend()
})

const probeOf = (count: number, per: number) => ({ x: Float32Array.from({ length: count * per }, (_, i) => Math.sin(i * 12.9898) * 2), count })

describe('bench code memory', () => {
  it('counts the default probe of the cnn as the budget arithmetic says', () => {
    const config = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: 'cnn' })
    expect(config.probeSamples).toBe(256)
    expect(config.probeBudgetBits).toBe(2 ** 18)
    const net = new Network(benchSpec('cnn'), 0)
    const probe = probeOf(256, 784)
    const plans = planCodes(net, probe, config.probeBudgetBits, 0)
    const m = codeMemory(plans, recordCodes(net, probe, plans), probe.count)
    net.dispose()
    // conv1: 28×28 positions × 16 channels; 2^18 / (256 · 16) = 64 positions kept.
    // conv2: 14×14 × 32; 2^18 / (256 · 32) = 32 kept. Either way 2^18 bits = 32 KiB a layer.
    expect(m.layers.map((l) => [l.id, l.spatial, l.channels, l.kept, l.bits])).toEqual([
      ['conv1.bn', 784, 16, 64, 262_144],
      ['conv2.bn', 196, 32, 32, 262_144],
    ])
    expect(m.codeBytes).toBe(2 * 32_768)
    expect(m.referenceBytes).toBe(256 * (784 * 16 + 196 * 32) * 4)
    expect(m.keptFloatBytes).toBe(2 * 262_144 * 4)
    expect(m.paddingBits).toBe(0)
    expect(m.keptFloatBytes / m.codeBytes).toBe(32)
  })

  it('reports the word padding of codes whose bits are not a multiple of 32, instead of 1/32', () => {
    // 5 probe inputs × 7 units = 35 bits: two Uint32 words (8 bytes), 29 bits of padding.
    const spec: ArchSpec = {
      family: 'mlp',
      name: 'mlp',
      input: [3],
      classes: 2,
      layers: [
        { kind: 'dense', name: 'fc1', units: 7, bn: true, relu: true },
        { kind: 'dense', name: 'fc2', units: 32, bn: true, relu: true },
      ],
    }
    const net = new Network(spec, 1)
    const probe = probeOf(5, 3)
    const plans = planCodes(net, probe, 1 << 20, 1)
    const m = codeMemory(plans, recordCodes(net, probe, plans), probe.count)
    net.dispose()
    expect(m.layers.map((l) => [l.bits, l.codeBytes, l.paddingBits, l.referenceBytes])).toEqual([
      [35, 8, 29, 5 * 7 * 4],
      [160, 20, 0, 5 * 32 * 4],
    ])
    expect(m.codeBytes).toBe(28)
    expect(m.keptFloatBytes).toBe((35 + 160) * 4)
    expect(m.keptFloatBytes / m.codeBytes).toBeLessThan(32)
    expect(tf.memory().numTensors).toBe(0)
  })
})
