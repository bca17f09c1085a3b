import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { benchSpec, createModel, MODELS } from '../../bench/models'
import { REPO } from '../helpers/tmp'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const torchAvailable = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0

describe('bench models', () => {
  it('are the models torch_bench.py defines, layer by layer', () => {
    const cnn = benchSpec('cnn')
    expect(cnn.input).toEqual([28, 28, 1])
    expect(cnn.classes).toBe(10)
    expect(cnn.layers).toEqual([
      { kind: 'conv', name: 'conv1', out: 16, kernel: 3, stride: 1, pad: 1, bn: true, relu: true },
      { kind: 'maxpool', name: 'pool1', size: 2, stride: 2 },
      { kind: 'conv', name: 'conv2', out: 32, kernel: 3, stride: 1, pad: 1, bn: true, relu: true },
      { kind: 'maxpool', name: 'pool2', size: 2, stride: 2 },
      { kind: 'flatten', name: 'flatten' },
    ])
    const mlp = benchSpec('mlp')
    expect(mlp.input).toEqual([784])
    expect(mlp.layers.map((l) => (l.kind === 'dense' ? [l.units, l.bn, l.relu] : l.kind))).toEqual([
      [512, false, true],
      [512, false, true],
    ])
    const vgg = benchSpec('vgg11')
    expect(vgg.input).toEqual([32, 32, 3])
    const shape = vgg.layers.map((l) =>
      l.kind === 'conv' ? (expect([l.kernel, l.stride, l.pad, l.bn, l.relu]).toEqual([3, 1, 1, true, true]), l.out) : l.kind,
    )
    expect(shape).toEqual([16, 'maxpool', 32, 'maxpool', 64, 64, 'maxpool', 128, 128, 'maxpool', 128, 128, 'gap'])
  })

  it('count the parameters an independent tally gives', () => {
    const bn = (c: number) => 2 * c
    const expected = {
      mlp: 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10,
      cnn: 9 * 16 + bn(16) + 9 * 16 * 32 + bn(32) + 7 * 7 * 32 * 10 + 10,
      vgg11:
        [
          [3, 16],
          [16, 32],
          [32, 64],
          [64, 64],
          [64, 128],
          [128, 128],
          [128, 128],
          [128, 128],
        ].reduce((n, [i, o]) => n + 9 * i! * o! + bn(o!), 0) +
        128 * 10 +
        10,
    }
    for (const name of MODELS) {
      const m = createModel(name)
      expect(m.network.paramCount(), name).toBe(expected[name])
      m.dispose()
    }
  })

  it.skipIf(!torchAvailable)('have the same parameter tensors as PyTorch’s (sizes, sorted)', () => {
    const r = spawnSync('/usr/bin/python3', [join(REPO, 'bench', 'torch_bench.py'), '--params', '--models', MODELS.join(',')], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const torch = JSON.parse(r.stdout).params as Record<string, { params: number; paramSizes: number[] }>
    for (const name of MODELS) {
      const m = createModel(name)
      const sizes = [...m.network.trainable.values()].map((v) => v.size).sort((a, b) => a - b)
      m.dispose()
      expect(torch[name]!.paramSizes, name).toEqual(sizes)
      expect(torch[name]!.params, name).toBe(sizes.reduce((a, b) => a + b, 0))
    }
  })
})
