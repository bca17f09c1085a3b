import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { planCodes, recordCodes } from '../../src-main/core/splineRecorder'
import { codeBytes } from '../../src-main/core/splineCodes'
import { createRng } from '../../src-main/core/random'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('spline recorder on conv layers', () => {
  it('keeps a fixed subset of positions within the bit budget, channel-major, equal to the naive signs', () => {
    const net = new Network(buildSpec('cnn', [8, 8, 1], 3, { width: 0.25 }), 2)
    const rng = createRng(4)
    const count = 5
    const probe = { x: Float32Array.from({ length: count * 64 }, () => rng.normal()), count }
    const plans = planCodes(net, probe, 4 * 5 * 10, 1) // 200 bits: conv1 (8×8×4×5 = 1280) must subsample
    expect(plans.map((p) => p.id)).toEqual(['conv1.bn', 'conv2.bn'])
    const p1 = plans[0]!
    expect(p1.positions).not.toBeNull()
    expect(p1.bits).toBeLessThanOrEqual(200)
    expect(p1.positions!.length).toBe(10)
    const before = tf.memory().numTensors
    const codes = recordCodes(net, probe, plans, 2) // chunks of 2 probes: exercises the scatter
    expect(tf.memory().numTensors).toBe(before)
    // naive: the BN output as floats, then bit c·(M·k) + m·k + j
    const values = tf.tidy(() =>
      net.forward(tf.tensor(probe.x, [count, 8, 8, 1]), false).codes.map((c) => ({ shape: c.value.shape, data: c.value.dataSync() })),
    )
    plans.forEach((plan, l) => {
      const { shape, data } = values[l]!
      const C = shape[3]!
      const S = shape[1]! * shape[2]!
      const positions = plan.positions ?? Array.from({ length: S }, (_, i) => i)
      const k = positions.length
      for (let c = 0; c < C; c++) {
        for (let m = 0; m < count; m++) {
          for (let j = 0; j < k; j++) {
            const bit = c * count * k + m * k + j
            const expected = data[(m * S + positions[j]!) * C + c]! > 0 ? 1 : 0
            expect((codes[l]!.words[bit >>> 5]! >>> (bit & 31)) & 1).toBe(expected)
          }
        }
      }
    })
    // the memory report: bits, not floats (≤ 1/32 of the float activations kept)
    expect(codeBytes(codes)).toBeLessThanOrEqual((plans.reduce((s, p) => s + p.bits, 0) * 4) / 32 + 8 * plans.length)
    net.dispose()
  })
})
