/**
 * The spline watch's cost, per model, with the run config's default probe: what the trainer's
 * SplineRecorder does after every epoch — record the codes of every BN output on the probe
 * (planCodes once, recordCodes per epoch) and grow the distance matrix (SplineHistory.add) —
 * timed over a run's worth of epochs, since a row of epoch t costs t distances per layer. Between
 * two records the network takes one training step, so the codes change as in a real run.
 *
 * Memory: the bytes of packed codes one epoch holds, against the float32 BN outputs the reference
 * keeps for the same probe (every channel and position of every probe input).
 */
import { RunConfigSchema, type RunConfig } from '../src-main/contract/runConfig'
import { codeBytes, type LayerCode } from '../src-main/core/splineCodes'
import { SplineHistory } from '../src-main/core/splineHistory'
import { planCodes, recordCodes, type LayerPlan } from '../src-main/core/splineRecorder'
import { localStep } from '../src-main/core/step'
import { loadDataset } from '../src-main/data/datasets'
import { buildProbe } from '../src-main/worker/probe'
import { setUp, type RunConfig as BenchRunConfig } from './harness'
import { benchSpec, CLASSES, createModel, makeBatches, seeded, type ModelName } from './models'

export interface LayerMemory {
  id: string
  channels: number
  /** spatial positions of the full output (1 for dense layers) and those kept by the plan */
  spatial: number
  kept: number
  bits: number
  /** bytes of this layer's packed code for one epoch (whole Uint32 words) */
  codeBytes: number
  /** bits in the last word that carry no code */
  paddingBits: number
  /** float32 bytes of the full BN output on the probe: what the reference keeps */
  referenceBytes: number
  /** float32 bytes of the same kept values: isolates what bit-packing alone saves */
  keptFloatBytes: number
}

export interface CodeMemory {
  layers: LayerMemory[]
  codeBytes: number
  referenceBytes: number
  keptFloatBytes: number
  paddingBits: number
}

/** Per layer and in total, from the plans and the codes recordCodes actually returned. */
export function codeMemory(plans: LayerPlan[], codes: LayerCode[], probeCount: number): CodeMemory {
  const layers = plans.map((p, l): LayerMemory => {
    const words = codes[l]!.words
    return {
      id: p.id,
      channels: p.channels,
      spatial: p.spatial,
      kept: p.positions ? p.positions.length : p.spatial,
      bits: p.bits,
      codeBytes: words.byteLength,
      paddingBits: words.length * 32 - codes[l]!.bits,
      referenceBytes: probeCount * p.spatial * p.channels * 4,
      keptFloatBytes: p.bits * 4,
    }
  })
  const sum = (k: 'codeBytes' | 'referenceBytes' | 'keptFloatBytes' | 'paddingBits'): number => layers.reduce((n, x) => n + x[k], 0)
  return { layers, codeBytes: sum('codeBytes'), referenceBytes: sum('referenceBytes'), keptFloatBytes: sum('keptFloatBytes'), paddingBits: sum('paddingBits') }
}

export interface SplineWatchResult {
  model: ModelName
  probe: { kind: string; count: number; budgetBits: number; source: string }
  epochs: number
  /** ms per epoch: codes of every BN layer on the probe, and the new distance-matrix row */
  recordMs: number[]
  matrixMs: number[]
  memory: CodeMemory
  /** bytes of codes the history holds after all epochs (every epoch is kept for the heatmap) */
  historyBytes: number
}

/** The probe's images: real ones where the product ships them, else seeded noise of the shape. */
function probeSource(model: ModelName, config: RunConfig): { xTest: Float32Array; yTest: Int32Array; inputShape: number[]; source: string } {
  if (model === 'cnn') {
    const d = loadDataset('builtin:fashion-mini', config.seed)
    return { xTest: d.xTest, yTest: d.yTest as Int32Array, inputShape: d.inputShape, source: 'Fashion-MNIST test images (shipped mini set)' }
  }
  const inputShape = benchSpec(model).input
  const per = inputShape.reduce((a, b) => a * b, 1)
  const n = config.probeSamples
  return {
    xTest: seeded(n * per, 77),
    yTest: Int32Array.from({ length: n }, (_, i) => i % CLASSES),
    inputShape,
    source: `seeded uniform images ${inputShape.join('×')} (no CIFAR-10 here; codes cost the same)`,
  }
}

export async function splineWatchChild(
  models: ModelName[],
  epochs: number,
  backend: Pick<BenchRunConfig, 'backend' | 'kernels' | 'threads'>,
): Promise<SplineWatchResult[]> {
  await setUp(backend)
  const out: SplineWatchResult[] = []
  for (const name of models) {
    // The probe exactly as a run with default settings builds it (worker/probe.ts).
    const config = RunConfigSchema.parse({ dataset: 'builtin:fashion-mini', model: name })
    const data = probeSource(name, config)
    const { probe, kind } = buildProbe(config, data)
    const model = createModel(name, config.seed)
    const step = localStep(model.network, model.optimizer, model.featureSize, CLASSES)
    const batches = makeBatches(model.featureSize, 64, 2)
    const plans = planCodes(model.network, probe, config.probeBudgetBits, config.seed)
    const history = new SplineHistory(plans.map((p) => p.id))
    const recordMs: number[] = []
    const matrixMs: number[] = []
    let codes: LayerCode[] = []
    for (let e = 0; e < epochs; e++) {
      const b = batches[e % batches.length]!
      step.run(b.x, b.y, 64)
      const t0 = performance.now()
      codes = recordCodes(model.network, probe, plans)
      const t1 = performance.now()
      history.add(codes)
      matrixMs.push(performance.now() - t1)
      recordMs.push(t1 - t0)
    }
    const memory = codeMemory(plans, codes, probe.count)
    out.push({
      model: name,
      probe: { kind, count: probe.count, budgetBits: config.probeBudgetBits, source: data.source },
      epochs,
      recordMs,
      matrixMs,
      memory,
      historyBytes: Array.from({ length: history.length }, (_, t) => codeBytes(history.codesAt(t))).reduce((a, b) => a + b, 0),
    })
    step.dispose()
    model.dispose()
  }
  return out
}
