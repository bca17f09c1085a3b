import { describe, expect, it } from 'vitest'
import { buildSpec } from '../../src-main/core/models'
import { countCosts, trainingFlops } from '../../src-main/core/flops'

describe('MACs, FLOPs and params', () => {
  it('match the published counts on 32×32×3 (VGG-16 ≈ 313 M MACs / 14.7 M params; ResNet-56 ≈ 125 M / 0.85 M; ResNet-20 ≈ 41 M / 0.27 M)', () => {
    const vgg16 = countCosts(buildSpec('vgg16', [32, 32, 3], 10))
    expect(vgg16.macs / 1e6).toBeCloseTo(313.2, 0)
    expect(vgg16.params / 1e6).toBeCloseTo(14.72, 1)
    // the EB reference's FLOPs convention: ≈ 0.627 GFLOP per image (algorithms.md §4.4)
    expect(vgg16.flops / 1e9).toBeCloseTo(0.627, 2)
    const r56 = countCosts(buildSpec('resnet56', [32, 32, 3], 10))
    expect(r56.macs / 1e6).toBeCloseTo(125.5, 0)
    expect(r56.params / 1e6).toBeCloseTo(0.853, 2)
    const r20 = countCosts(buildSpec('resnet20', [32, 32, 3], 10))
    expect(r20.macs / 1e6).toBeCloseTo(40.6, 0)
    expect(r20.params / 1e6).toBeCloseTo(0.27, 2)
  })

  it('counts a conv layer by hand', () => {
    // conv 3×3, 1→4 channels on 5×5, pad 1, BN + ReLU; then flatten and classify 5×5×4 → 3
    const c = countCosts({
      family: 'cnn',
      name: 'tiny',
      input: [5, 5, 1],
      classes: 3,
      layers: [
        { kind: 'conv', name: 'c', out: 4, kernel: 3, stride: 1, pad: 1, bn: true, relu: true },
        { kind: 'flatten', name: 'f' },
      ],
    })
    const conv = c.layers[0]!
    expect(conv.macs).toBe(9 * 1 * 4 * 25)
    expect(conv.flops).toBe(9 * 2 * 4 * 25 + 2 * 100 + 100)
    expect(conv.params).toBe(9 * 4 + 2 * 4)
    expect(c.layers.at(-1)!.params).toBe(100 * 3 + 3)
  })

  it('training FLOPs reproduce the EB paper’s VGG-16/CIFAR-100 dense budget (≈ 301 units of 0.05 P)', () => {
    const f = countCosts(buildSpec('vgg16', [32, 32, 3], 100)).flops
    const units = trainingFlops([{ flops: f, images: 50_000, epochs: 160 }]) / 0.05e15
    expect(units).toBeGreaterThan(298)
    expect(units).toBeLessThan(304)
  })

  it('explains impossible shapes', () => {
    expect(() => countCosts(buildSpec('vgg16', [8, 8, 3], 10))).toThrow(/empty output/)
    expect(() => buildSpec('cnn', [2], 2)).toThrow(/needs image input/)
    expect(() => buildSpec('resnet21', [32, 32, 3], 10)).toThrow(/6n\+2/)
  })
})
