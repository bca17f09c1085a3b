/**
 * The exported TF.js layers model must compute what our Network computes: written to disk,
 * read back with tf.loadLayersModel (weights resolved through the manifest's paths), for every
 * model family, pruned and not.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildSpec } from '../../src-main/core/models'
import { Network } from '../../src-main/core/network'
import { channelGroups } from '../../src-main/core/spec'
import { pruneNetwork } from '../../src-main/core/pruning/surgery'
import { createRng } from '../../src-main/core/random'
import { toTfjsLayersModel } from '../../src-main/report/tfjsModel'
import { tempDir } from '../helpers/tmp'

await tf.setBackend('cpu')

/** BN statistics away from 0/1 so that a wrong mapping of mean/variance would show */
function perturb(net: Network, seed: number): void {
  const rng = createRng(seed)
  const snap = net.snapshot()
  for (const [name, w] of Object.entries(snap)) {
    const v = w.values.slice()
    for (let i = 0; i < v.length; i++) {
      if (name.endsWith('runningVar')) v[i] = 0.5 + rng.next()
      else if (name.endsWith('runningMean') || name.endsWith('beta') || name.endsWith('bias')) v[i] = 0.2 * rng.normal()
      else if (name.endsWith('gamma')) v[i] = 0.5 + 0.3 * rng.normal()
    }
    snap[name] = { shape: w.shape, values: v }
  }
  net.load(snap)
}

async function loadFromDisk(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))
  const manifest = json.weightsManifest[0]
  const buf = readFileSync(join(dir, manifest.paths[0]))
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.weights,
      weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  })
}

const CASES: [string, string, number[], { hidden?: number[]; width?: number }][] = [
  ['mlp (2-D)', 'mlp', [2], { hidden: [7, 5] }],
  ['mlp on images', 'mlp', [6, 6, 1], { hidden: [9] }],
  ['cnn', 'cnn', [12, 12, 1], { width: 0.5 }],
  ['vgg11', 'vgg11', [32, 32, 3], { width: 0.0625 }],
  ['resnet20', 'resnet20', [16, 16, 3], { width: 0.5 }],
  ['preresnet20', 'preresnet20', [16, 16, 3], { width: 0.5 }],
]

describe('TF.js layers model export', () => {
  const tmp = tempDir()
  afterAll(() => tmp.cleanup())

  for (const [label, model, input, options] of CASES) {
    for (const prune of [false, true]) {
      it(`${label}${prune ? ', pruned' : ''}: loads with tf.loadLayersModel and matches our forward pass`, async () => {
        let net = new Network(buildSpec(model, input, 4, options), 3)
        perturb(net, 5)
        if (prune) {
          // keep every other channel of each group (at least one)
          const selection = Object.fromEntries(
            channelGroups(net.spec).map((g) => [
              g.id,
              Array.from({ length: Math.max(1, Math.floor(g.width / 2)) }, (_, i) => i * 2).filter((i) => i < g.width),
            ]),
          )
          const smaller = pruneNetwork(net, selection, 1)
          net.dispose()
          net = smaller
        }
        const exported = toTfjsLayersModel(net.spec, net.snapshot(), { runId: 'test' })
        const dir = join(tmp.dir, `${model}-${input.join('x')}-${prune}`)
        mkdirSync(dir, { recursive: true })
        writeFileSync(join(dir, 'model.json'), exported.modelJson)
        writeFileSync(join(dir, exported.weightsFile), exported.weightsBin)
        const loaded = await loadFromDisk(dir)
        const rng = createRng(9)
        const x = tf.tensor(
          Float32Array.from({ length: 3 * input.reduce((a, b) => a * b, 1) }, () => rng.normal()),
          [3, ...input],
        )
        const ours = tf.tidy(() => net.forward(x, false).logits)
        const theirs = loaded.predict(x) as tf.Tensor
        expect(theirs.shape).toEqual(ours.shape)
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!)
        const scale = tf.tidy(() => tf.max(tf.abs(ours)).dataSync()[0]!)
        expect(diff).toBeLessThan(1e-4 * Math.max(1, scale))
        tf.dispose([x, ours, theirs])
        loaded.dispose()
        net.dispose()
      })
    }
  }
})
