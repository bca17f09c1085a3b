/**
 * Model zoo as architecture specs (SPEC §4): mlp, cnn, CIFAR-style VGG (BN, width multiplier),
 * ResNet with basic blocks and option-A shortcuts (He et al. 2016, CIFAR), and the EB reference's
 * pre-activation bottleneck PreResNet. Input shape and class count come from the dataset.
 */
import type { ArchSpec, LayerSpec } from '../contract/arch'
import { MODELS } from '../contract/runConfig'

export const MODEL_NAMES = MODELS
export type ModelName = (typeof MODELS)[number]

export interface ModelOptions {
  /** hidden widths of the mlp */
  hidden?: number[]
  /** channel multiplier for cnn / vgg / resnet / preresnet */
  width?: number
  /** PreResNet: block-input channels (and the final BN's) are prunable, as the EB code's channel_selection */
  pruneInputs?: boolean
}

const VGG: Record<string, (number | 'M')[]> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512],
}

export function buildSpec(model: string, input: number[], classes: number, options: ModelOptions = {}): ArchSpec {
  const w = options.width ?? 1
  if (!(w > 0)) throw new Error(`width multiplier must be > 0, got ${w}`)
  const scale = (c: number) => Math.max(1, Math.round(c * w))
  const layers: LayerSpec[] = []
  const conv = (name: string, out: number, kernel = 3, stride = 1, pad = 1, bn = true, relu = true): LayerSpec => ({
    kind: 'conv',
    name,
    out,
    kernel,
    stride,
    pad,
    bn,
    relu,
    // the pre-activation stem has neither BN nor bias (the reference's bias=False)
    ...(bn ? {} : { bias: false }),
  })
  const needsImage = () => {
    if (input.length !== 3) throw new Error(`model '${model}' needs image input (H×W×C), the dataset gives [${input.join('×')}]`)
  }
  if (model === 'mlp') {
    if (input.length > 1) layers.push({ kind: 'flatten', name: 'flatten' })
    ;(options.hidden ?? [20]).forEach((units, i) => layers.push({ kind: 'dense', name: `fc${i + 1}`, units, bn: true, relu: true }))
    return { family: 'mlp', name: 'mlp', input, classes, layers }
  }
  needsImage()
  if (model === 'cnn') {
    layers.push(conv('conv1', scale(16)), { kind: 'maxpool', name: 'pool1', size: 2, stride: 2 })
    layers.push(conv('conv2', scale(32)), { kind: 'maxpool', name: 'pool2', size: 2, stride: 2 })
    layers.push({ kind: 'flatten', name: 'flatten' })
    return { family: 'cnn', name: 'cnn', input, classes, layers }
  }
  const vgg = VGG[model]
  if (vgg) {
    let i = 0
    let p = 0
    for (const c of vgg) {
      if (c === 'M') layers.push({ kind: 'maxpool', name: `pool${++p}`, size: 2, stride: 2 })
      else layers.push(conv(`conv${++i}`, scale(c)))
    }
    // The reference ends with AvgPool2d(2) on 2×2 maps (CIFAR): a global average pool there.
    layers.push({ kind: 'gap', name: 'gap' })
    return { family: 'vgg', name: model, input, classes, layers }
  }
  const res = /^(pre)?resnet(\d+)$/.exec(model)
  if (res) {
    const pre = Boolean(res[1])
    const depth = Number(res[2])
    const per = pre ? 9 : 6
    if ((depth - 2) % per !== 0) throw new Error(`${model}: depth must be ${per}n+2`)
    const n = (depth - 2) / per
    if (options.pruneInputs && !pre) throw new Error(`${model}: only PreResNets select block-input channels (pruneInputs)`)
    const all = (c: number) => (options.pruneInputs ? { select: Array.from({ length: c }, (_, i) => i) } : {})
    layers.push(conv('conv1', scale(16), 3, 1, 1, !pre, !pre))
    let stream = scale(16)
    ;[16, 32, 64].forEach((planes, stage) => {
      for (let b = 0; b < n; b++) {
        const name = `layer${stage + 1}.${b}`
        const stride = stage > 0 && b === 0 ? 2 : 1
        if (pre) layers.push({ kind: 'bottleneck', name, c1: scale(planes), c2: scale(planes), out: scale(planes) * 4, stride, ...all(stream) })
        else layers.push({ kind: 'basic', name, mid: scale(planes), out: scale(planes), stride })
        stream = pre ? scale(planes) * 4 : scale(planes)
      }
    })
    if (pre) layers.push({ kind: 'bnrelu', name: 'final', ...all(stream) })
    layers.push({ kind: 'gap', name: 'gap' })
    return { family: pre ? 'preresnet' : 'resnet', name: model, input, classes, layers }
  }
  throw new Error(`unknown model '${model}' (one of ${MODEL_NAMES.join(', ')})`)
}
