import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { TrainingEngine, type EpochRecord, type TrainCallback } from '../../src-main/core/engine'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { SgdMomentum } from '../../src-main/core/sgd'
import { SplineRecorder, planCodes } from '../../src-main/core/splineRecorder'
import { gridProbe, loadDataset } from '../../src-main/data/datasets'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

function setup(epochs: number, shouldStop?: () => boolean) {
  const data = loadDataset('builtin:xshape', 0)
  if (data.task !== 'classification') throw new Error('xshape is a classification dataset')
  const network = new Network(buildSpec('mlp', [2], 2, { hidden: [20] }), 0)
  const optimizer = new SgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 })
  const engine = new TrainingEngine({
    network,
    optimizer,
    data: { ...data, featureSize: 2 },
    epochs,
    batchSize: 64,
    seed: 0,
    lrAt: () => 0.1,
    shouldStop,
  })
  return { data, network, optimizer, engine }
}

describe('TrainingEngine', () => {
  it('learns the X-shape, records one distance row per epoch, and leaks no tensors', async () => {
    const before = tf.memory().numTensors
    const { data, network, optimizer, engine } = setup(8)
    const probe = { x: gridProbe(data.bounds!, 20), count: 400 }
    const recorder = new SplineRecorder(planCodes(network, probe, 1 << 20, 0), probe, { window: 3, epsilon: 0.16 })
    const records: EpochRecord[] = []
    const order: string[] = []
    const spy: TrainCallback = {
      onTrainBegin: () => void order.push('begin'),
      onEpochEnd: (_c, r) => void order.push(`end${r.metrics.epoch}:${r.distanceRow ? 'row' : 'no-row'}`),
      onEpochRecorded: (_c, r) => void records.push(r),
      onTrainEnd: (_c, outcome) => void order.push(outcome),
    }
    const outcome = await engine.run([recorder, spy])
    expect(outcome).toBe('finished')
    expect(order[0]).toBe('begin')
    expect(order[1]).toBe('end1:row') // the recorder ran before the spy
    expect(order.at(-1)).toBe('finished')
    expect(records).toHaveLength(8)
    expect(records.at(-1)!.metrics.testAccuracy).toBeGreaterThan(0.9)
    expect(records.at(-1)!.metrics.trainLoss).toBeLessThan(records[0]!.metrics.trainLoss)
    expect(records.every((r) => r.metrics.seconds >= r.metrics.splineSeconds)).toBe(true)
    expect(recorder.history.rows['fc1.bn']!.map((r) => r.length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    network.dispose()
    optimizer.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('stops within one batch when asked to', async () => {
    let batches = 0
    let stopAt = -1
    const { network, optimizer, engine } = setup(5, () => stopAt >= 0)
    const counter: TrainCallback = {
      onBatchEnd: () => {
        batches++
        if (batches === 7) stopAt = batches
      },
    }
    expect(await engine.run([counter])).toBe('cancelled')
    expect(batches).toBe(stopAt)
    network.dispose()
    optimizer.dispose()
  })
})
