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

  it('PreResNet-164 on 32×32×3 counts as the EB reference builds it: no stem bias (1.70 M params, the slimming paper’s), block-input selection narrows BN1 and conv1', () => {
    // the reference's modules, counted by hand: stem conv3×3 3→16 (bias=False); per bottleneck
    // BN1+ReLU on its input, conv1×1 cin→p, BN+ReLU, conv3×3 p→p (stride), BN+ReLU, conv1×1 p→4p,
    // a 1×1 projection where the shape changes; the final BN+ReLU; gap; the classifier
    const naive = (select: (cin: number) => number = (c) => c) => {
      let macs = 9 * 3 * 16 * 32 * 32
      let flops = 2 * macs
      let params = 9 * 3 * 16
      let cin = 16
      let hw = 32 * 32
      for (const [stage, p] of [16, 32, 64].entries()) {
        for (let b = 0; b < 18; b++) {
          const stride = stage > 0 && b === 0 ? 2 : 1
          const out = hw / (stride * stride)
          const read = select(cin)
          const m = read * p * hw + 9 * p * p * out + 4 * p * p * out + (b === 0 ? cin * 4 * p * out : 0)
          macs += m
          flops += 2 * m + 3 * read * hw + 3 * p * hw + 3 * p * out
          params += 2 * read + read * p + 2 * p + 9 * p * p + 2 * p + 4 * p * p + (b === 0 ? cin * 4 * p : 0)
          cin = 4 * p
          hw = out
        }
      }
      flops += 3 * 256 * hw + 256 * hw + 2 * 256 * 10 + 10
      params += 2 * 256 + 256 * 10 + 10
      macs += 256 * 10
      return { macs, flops, params }
    }
    const spec = buildSpec('preresnet164', [32, 32, 3], 10)
    const c = countCosts(spec)
    expect({ macs: c.macs, flops: c.flops, params: c.params }).toEqual(naive())
    expect(c.params / 1e6).toBeCloseTo(1.7, 2)
    expect(spec.layers[0]).toMatchObject({ kind: 'conv', bn: false, relu: false, bias: false })
    // every block reading half its input channels
    const half = buildSpec('preresnet164', [32, 32, 3], 10, { pruneInputs: true })
    for (const l of half.layers) if (l.kind === 'bottleneck' && l.select) l.select = l.select.filter((k) => k % 2 === 0)
    const h = countCosts(half)
    const n = naive((cin) => cin / 2)
    expect(h.macs).toBe(n.macs)
    expect(h.params).toBe(n.params)
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
