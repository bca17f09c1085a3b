import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSync, readdirSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { Network } from '../../src-main/core/network'
import { buildSpec } from '../../src-main/core/models'
import { SgdMomentum } from '../../src-main/core/sgd'
import { BnEbDetector } from '../../src-main/core/bnEb'
import {
  CheckpointError,
  checkpointDir,
  discardCheckpointsAfter,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  readCodeHistory,
  removeCheckpoints,
  writeCheckpoint,
  type CheckpointData,
} from '../../src-main/worker/checkpoint'
import { tempDir } from '../helpers/tmp'

const tmp = tempDir('spline-ckpt-')
beforeAll(async () => {
  await tf.setBackend('cpu')
})
afterAll(() => tmp.cleanup())

const spec = buildSpec('mlp', [2], 2, { hidden: [8, 4] })
const code = (seed: number, bits = 70) => ({
  bits,
  channels: 7,
  words: Uint32Array.from({ length: Math.ceil(bits / 32) }, (_, i) => (seed * 2654435761 + i * 97) >>> 0),
})

function data(net: Network, epoch: number, codes: CheckpointData['codes'], optimizer: CheckpointData['optimizer'] = null): CheckpointData {
  return {
    epoch,
    phase: 'dense',
    phaseEpoch: epoch,
    spec: net.spec,
    weights: net.snapshot(),
    optimizer,
    shuffle: { seed: 7, epochsDrawn: epoch },
    codes,
    bnEb: { masks: [[1, 0, 1]], trace: [{ epoch, maxDistance: null, threshold: 0.1 }], ebEpoch: null },
    splineEbEpoch: null,
    pruning: null,
    completedPhases: [],
    lastAccuracy: 0.5,
    elapsedSeconds: epoch,
    configHash: 'abc',
  }
}

describe('checkpoint files', () => {
  it('round-trips weights, momentum and codes, and rebuilds the same network', () => {
    const net = new Network(spec, 3)
    const opt = { 'fc1.weight': { shape: [2, 8], values: Float32Array.from({ length: 16 }, (_, i) => i / 3) } }
    const written = writeCheckpoint(tmp.dir, 'run-a', 1, data(net, 1, { from: 1, epochs: [[code(1), code(2, 33)]] }, opt))
    expect(written.file).toBe('epoch-000001.ckpt')
    const back = readCheckpoint(tmp.dir, 'run-a') // newest when no epoch is given
    expect(back.epoch).toBe(1)
    expect(back.spec).toEqual(spec)
    expect(back.optimizer).toEqual(opt)
    expect(back.codes!.epochs[0]).toEqual([code(1), code(2, 33)])
    const again = new Network(back.spec, 99)
    again.load(back.weights)
    expect(again.snapshot()).toEqual(net.snapshot())
    expect(readCheckpoint(tmp.dir, 'run-a', 1, { weights: false, optimizer: false })).toMatchObject({ weights: {}, optimizer: null })
    net.dispose()
    again.dispose()
  })

  it('follows the code chain back (all) or reads it from one file (last)', () => {
    const net = new Network(spec, 1)
    for (let e = 1; e <= 3; e++) writeCheckpoint(tmp.dir, 'chain', e, data(net, e, { from: e, epochs: [[code(e)]] }))
    expect(readCodeHistory(tmp.dir, 'chain', readCheckpoint(tmp.dir, 'chain', 3))).toEqual([[code(1)], [code(2)], [code(3)]])
    writeCheckpoint(tmp.dir, 'one', 3, data(net, 3, { from: 1, epochs: [[code(1)], [code(2)], [code(3)]] }))
    expect(readCodeHistory(tmp.dir, 'one', readCheckpoint(tmp.dir, 'one', 3))).toHaveLength(3)
    removeCheckpoints(tmp.dir, 'chain')
    writeCheckpoint(tmp.dir, 'chain', 3, data(net, 3, { from: 3, epochs: [[code(3)]] }))
    expect(() => readCodeHistory(tmp.dir, 'chain', readCheckpoint(tmp.dir, 'chain', 3))).toThrow(CheckpointError)
    net.dispose()
  })

  it('detects a damaged or truncated file instead of loading garbage', () => {
    const net = new Network(spec, 2)
    writeCheckpoint(tmp.dir, 'bad', 1, data(net, 1, null))
    const file = join(checkpointDir(tmp.dir, 'bad'), 'epoch-000001.ckpt')
    const bytes = readFileSync(file)
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.from([bytes[bytes.length - 5]! ^ 0xff]), 0, 1, bytes.length - 5)
    closeSync(fd)
    expect(() => readCheckpoint(tmp.dir, 'bad', 1)).toThrow(/checksum mismatch/)
    writeFileSync(file, bytes.subarray(0, bytes.length - 40))
    expect(() => readCheckpoint(tmp.dir, 'bad', 1)).toThrow(/truncated/)
    writeFileSync(file, 'not a checkpoint at all')
    expect(() => readCheckpoint(tmp.dir, 'bad', 1)).toThrow(/not a Spline Lab checkpoint/)
    expect(() => readCheckpoint(tmp.dir, 'bad', 2)).toThrow(/missing/)
    net.dispose()
  })

  it('lists complete files only; prunes superseded momentum; discards files after an epoch and temporaries', () => {
    const net = new Network(spec, 4)
    const opt = { x: { shape: [1], values: new Float32Array([1]) } }
    for (let e = 0; e <= 4; e++) writeCheckpoint(tmp.dir, 'gc', e, data(net, e, null, opt))
    const dir = checkpointDir(tmp.dir, 'gc')
    writeFileSync(join(dir, `epoch-000005.ckpt.tmp-123`), 'half')
    expect(listCheckpoints(tmp.dir, 'gc').map((c) => [c.epoch, c.optimizer])).toEqual([
      [0, true],
      [1, true],
      [2, true],
      [3, true],
      [4, true],
    ])
    pruneCheckpoints(tmp.dir, 'gc', 3, 'all')
    expect(listCheckpoints(tmp.dir, 'gc').map((c) => [c.epoch, c.optimizer])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
      [4, true],
    ])
    expect(discardCheckpointsAfter(tmp.dir, 'gc', 3).sort()).toEqual(['epoch-000004.ckpt', 'epoch-000004.optim', 'epoch-000005.ckpt.tmp-123'])
    pruneCheckpoints(tmp.dir, 'gc', 3, 'last')
    expect(readdirSync(dir).sort()).toEqual(['epoch-000003.ckpt', 'epoch-000003.optim'])
    net.dispose()
  })

  it('never lets a run id name a path outside the checkpoints folder', () => {
    for (const id of ['../etc', '..', 'a/b', '/abs', 'x'.repeat(65), '', 'a\0b', '.hidden']) {
      expect(() => checkpointDir(tmp.dir, id)).toThrow(/not a valid run id/)
      expect(() => removeCheckpoints(tmp.dir, id)).toThrow(/not a valid run id/)
    }
  })
})

describe('resumable state', () => {
  it('SgdMomentum.state()/load() continues exactly like the optimizer that was never stopped', () => {
    const run = (stopAfter: number | null) => {
      const theta = new Map([['w', tf.variable(tf.tensor1d([1, -2, 3]))]])
      let opt = new SgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 })
      for (let step = 0; step < 6; step++) {
        if (step === stopAfter) {
          const saved = opt.state()
          opt.dispose()
          opt = new SgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 })
          opt.load(saved)
        }
        const g = tf.tensor1d([0.5 * step, -1, 0.25])
        opt.step(theta, { w: g })
        g.dispose()
      }
      const out = Array.from(theta.get('w')!.dataSync())
      opt.dispose()
      theta.get('w')!.dispose()
      return out
    }
    expect(run(3)).toEqual(run(null))
  })

  it('BnEbDetector.state()/restore() continues the queue and the ticket', () => {
    const masks = [0.1, 0.2, 0.3, 0.3, 0.3, 0.31, 0.3].map((x, i) => Float32Array.from([x, 0.2, 0.25 + i / 100, 0.5]))
    const whole = new BnEbDetector({ ratio: 0.5, queue: 3, threshold: 0.1 })
    const first = new BnEbDetector({ ratio: 0.5, queue: 3, threshold: 0.1 })
    masks.forEach((m, i) => whole.update(m, i))
    masks.slice(0, 4).forEach((m, i) => first.update(m, i))
    const second = new BnEbDetector({ ratio: 0.5, queue: 3, threshold: 0.1 })
    second.restore(JSON.parse(JSON.stringify(first.state())))
    masks.slice(4).forEach((m, i) => second.update(m, i + 4))
    expect(second.trace).toEqual(whole.trace)
    expect(second.ebEpoch).toBe(whole.ebEpoch)
  })
})
