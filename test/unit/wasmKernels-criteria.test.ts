/**
 * On the trainer's own backend (wasm with our kernels): the exact Hessian-vector product of GraSP
 * against the float64 reference, and a training step through a PreResNet's block-input selection
 * (its gradient avoids UnsortedSegmentSum, which wasm lacks).
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { registerWasmKernels } from '../../src-main/worker/backends/wasm/kernels/registry'
import { lossGradients } from '../../src-main/core/pruning/gradients'
import { hessianVectorProduct } from '../../src-main/core/pruning/hessian'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { SgdMomentum } from '../../src-main/core/sgd'
import { localStep } from '../../src-main/core/step'
import { initWasmBackend } from '../helpers/wasm'
import { refHessianVector, relativeError, toParams } from '../helpers/refNet'
import { randomData, trainedNet } from '../helpers/trainedNet'

beforeAll(async () => {
  registerWasmKernels()
  await initWasmBackend()
})

describe('gradient criteria on wasm', () => {
  it('Hg of a cnn matches the float64 reference to ≤ 1 %', () => {
    const { net, data } = trainedNet('cnn', [8, 8, 1], 3, { width: 0.25 }, 3)
    const count = 40
    const samples = { x: data.x.subarray(0, 64 * count), y: data.y.subarray(0, count), weights: new Float64Array(count).fill(1 / count), count, note: '' }
    const before = tf.memory().numTensors
    const g = lossGradients(net, samples, 200, 3, 16)
    const hg = hessianVectorProduct(net, samples, 200, 3, 16, g)
    expect(tf.memory().numTensors).toBe(before)
    const hgRef = refHessianVector(net.spec, toParams(net.snapshot()), { x: Float64Array.from(samples.x), y: samples.y, w: samples.weights, count }, 200, g)
    expect(relativeError(hg, hgRef, [...net.trainable.keys()])).toBeLessThan(0.01)
    net.dispose()
  })

  it('a PreResNet with selectable block inputs trains (the selection has a gradient here)', async () => {
    const spec = buildSpec('preresnet20', [8, 8, 3], 3, { width: 0.25, pruneInputs: true })
    const b = spec.layers.find((l) => l.kind === 'bottleneck' && l.name === 'layer2.0')!
    ;(b as { select?: number[] }).select = [0, 2, 5]
    const net = new Network(spec, 1)
    const data = randomData([8, 8, 3], 3, 16, 2)
    const opt = new SgdMomentum({ lr: 0.05, momentum: 0.9, weightDecay: 0, bnL1: 0 })
    const w0 = Array.from(net.param('layer1.1.conv3.weight').dataSync())
    const r = await localStep(net, opt, data.featureSize, 3).run(data.x, data.y, 16)
    expect(Number.isFinite(r.loss)).toBe(true)
    expect(Array.from(net.param('layer1.1.conv3.weight').dataSync())).not.toEqual(w0)
    opt.dispose()
    net.dispose()
  })
})
