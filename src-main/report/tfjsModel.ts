/**
 * A trained (pruned) network as a TensorFlow.js layers model: `model.json` (Keras functional
 * topology + weights manifest) and one `.bin` of float32 weights, loadable with
 * `tf.loadLayersModel`. Written directly from the ArchSpec and the checkpoint's weights, so the
 * main process needs no TensorFlow.js. The model outputs logits; inputs are what the trainer saw
 * (images standardised per channel with the training split's statistics).
 *
 * PyTorch-style symmetric padding becomes ZeroPadding2D + 'valid' convolution (TF's 'same' pads
 * asymmetrically at stride 2), and the parameter-free option-A shortcut of CIFAR ResNets becomes
 * a frozen 1×1 strided convolution whose kernel is the zero-padded identity: the same function.
 */
import type { ArchSpec } from '../contract/arch'
import { hasProjection, inferShapes } from '../core/shapes'
import { convHasBias } from '../core/spec'

export type Weights = Record<string, { shape: number[]; values: Float32Array }>

interface KLayer {
  name: string
  class_name: string
  config: Record<string, unknown>
  inbound_nodes: unknown[]
}

interface WeightEntry {
  name: string
  shape: number[]
  values: Float32Array
}

const BN_EPS = 1e-5

export interface TfjsModel {
  modelJson: string
  weightsBin: Uint8Array
  weightsFile: string
}

export function toTfjsLayersModel(spec: ArchSpec, weights: Weights, meta: Record<string, unknown> = {}, weightsFile = 'weights.bin'): TfjsModel {
  const b = new Builder(weights)
  let x = b.add('InputLayer', 'input', { batch_input_shape: [null, ...spec.input], dtype: 'float32', sparse: false }, [])
  const shapes = inferShapes(spec).layers
  for (const { layer: l, input } of shapes) {
    const cin = input[input.length - 1]!
    switch (l.kind) {
      case 'dense':
        x = b.dense(l.name, l.units, !l.bn, x)
        if (l.bn) x = b.bn(`${l.name}.bn`, x)
        if (l.relu) x = b.relu(l.name, x)
        break
      case 'conv':
        x = b.conv(l.name, `${l.name}.weight`, l.out, l.kernel, l.stride, l.pad, x, convHasBias(l))
        if (l.bn) x = b.bn(`${l.name}.bn`, x)
        if (l.relu) x = b.relu(l.name, x)
        break
      case 'maxpool':
      case 'avgpool':
        x = b.add(
          l.kind === 'maxpool' ? 'MaxPooling2D' : 'AveragePooling2D',
          l.name,
          { pool_size: [l.size, l.size], strides: [l.stride, l.stride], padding: 'valid', data_format: 'channels_last' },
          [x],
        )
        break
      case 'gap':
        x = b.add('GlobalAveragePooling2D', l.name, { data_format: 'channels_last' }, [x])
        break
      case 'flatten':
        x = b.add('Flatten', l.name, {}, [x])
        break
      case 'basic': {
        let h = b.conv(`${l.name}.conv1`, `${l.name}.conv1.weight`, l.mid, 3, l.stride, 1, x)
        h = b.relu(`${l.name}.1`, b.bn(`${l.name}.bn1`, h))
        h = b.bn(`${l.name}.bn2`, b.conv(`${l.name}.conv2`, `${l.name}.conv2.weight`, l.out, 3, 1, 1, h))
        const shortcut = l.stride !== 1 || cin !== l.out ? b.optionA(`${l.name}.shortcut`, cin, l.out, l.stride, x) : x
        x = b.relu(`${l.name}.out`, b.add('Add', `${l.name}.add`, {}, [h, shortcut]))
        break
      }
      case 'bottleneck': {
        let h = b.relu(`${l.name}.0`, b.bn(`${l.name}.bn1`, l.select ? b.select(`${l.name}.select`, cin, l.select, x) : x))
        h = b.relu(`${l.name}.1`, b.bn(`${l.name}.bn2`, b.conv(`${l.name}.conv1`, `${l.name}.conv1.weight`, l.c1, 1, 1, 0, h)))
        h = b.relu(`${l.name}.2`, b.bn(`${l.name}.bn3`, b.conv(`${l.name}.conv2`, `${l.name}.conv2.weight`, l.c2, 3, l.stride, 1, h)))
        h = b.conv(`${l.name}.conv3`, `${l.name}.conv3.weight`, l.out, 1, 1, 0, h)
        const shortcut = hasProjection(l, cin) ? b.conv(`${l.name}.shortcut`, `${l.name}.shortcut.weight`, l.out, 1, l.stride, 0, x) : x
        x = b.add('Add', `${l.name}.add`, {}, [h, shortcut])
        break
      }
      case 'bnrelu':
        x = b.relu(l.name, b.bn(`${l.name}.bn`, l.select ? b.select(`${l.name}.select`, cin, l.select, x) : x))
        break
    }
  }
  x = b.dense('classifier', spec.classes, true, x)
  const topology = {
    class_name: 'Model',
    config: { name: spec.name, layers: b.layers, input_layers: [['input', 0, 0]], output_layers: [[x, 0, 0]] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  }
  const total = b.weights.reduce((s, w) => s + w.values.length, 0)
  const bin = new Float32Array(total)
  let offset = 0
  for (const w of b.weights) {
    bin.set(w.values, offset)
    offset += w.values.length
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'Spline Lab',
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: [weightsFile], weights: b.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { outputs: 'logits', ...meta },
  }
  return { modelJson: JSON.stringify(modelJson), weightsBin: new Uint8Array(bin.buffer), weightsFile }
}

/** Keras layer names may not contain '.', and weights are matched by `<layer>/<weight>`. */
const kname = (name: string) => name.replace(/[^\w-]/g, '_')

class Builder {
  readonly layers: KLayer[] = []
  readonly weights: WeightEntry[] = []

  constructor(private readonly source: Weights) {}

  add(className: string, name: string, config: Record<string, unknown>, inputs: string[]): string {
    const n = kname(name)
    if (this.layers.some((l) => l.name === n)) throw new Error(`model export: duplicate layer name '${n}'`)
    this.layers.push({
      name: n,
      class_name: className,
      config: { name: n, trainable: true, ...config },
      inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [],
    })
    return n
  }

  private weight(layer: string, kind: string, source: string, values?: Float32Array, shape?: number[]): void {
    const w = this.source[source]
    if (!values && !w) throw new Error(`model export: the checkpoint has no '${source}'`)
    this.weights.push({ name: `${kname(layer)}/${kind}`, shape: shape ?? w!.shape, values: values ?? w!.values })
  }

  dense(name: string, units: number, bias: boolean, x: string): string {
    const out = this.add('Dense', name, { units, activation: 'linear', use_bias: bias }, [x])
    this.weight(name, 'kernel', `${name}.weight`)
    if (bias) this.weight(name, 'bias', `${name}.bias`)
    return out
  }

  conv(name: string, weight: string, filters: number, k: number, stride: number, pad: number, x: string, bias = false): string {
    let h = x
    if (pad > 0)
      h = this.add(
        'ZeroPadding2D',
        `${name}.pad`,
        {
          padding: [
            [pad, pad],
            [pad, pad],
          ],
          data_format: 'channels_last',
        },
        [h],
      )
    const out = this.add(
      'Conv2D',
      name,
      {
        filters,
        kernel_size: [k, k],
        strides: [stride, stride],
        padding: 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: bias,
      },
      [h],
    )
    this.weight(name, 'kernel', weight)
    if (bias) this.weight(name, 'bias', weight.replace(/weight$/, 'bias'))
    return out
  }

  bn(id: string, x: string): string {
    const out = this.add('BatchNormalization', id, { axis: -1, momentum: 0.9, epsilon: BN_EPS, center: true, scale: true }, [x])
    this.weight(id, 'gamma', `${id}.gamma`)
    this.weight(id, 'beta', `${id}.beta`)
    this.weight(id, 'moving_mean', `${id}.runningMean`)
    this.weight(id, 'moving_variance', `${id}.runningVar`)
    return out
  }

  relu(name: string, x: string): string {
    return this.add('Activation', `${name}.relu`, { activation: 'relu' }, [x])
  }

  /** a channel selection (PreResNet block inputs) as a frozen 1×1 conv whose kernel picks the selected channels */
  select(name: string, cin: number, select: number[], x: string): string {
    const n = this.add(
      'Conv2D',
      name,
      {
        filters: select.length,
        kernel_size: [1, 1],
        strides: [1, 1],
        padding: 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: false,
        trainable: false,
      },
      [x],
    )
    const kernel = new Float32Array(cin * select.length)
    select.forEach((c, j) => (kernel[c * select.length + j] = 1))
    this.weight(name, 'kernel', '', kernel, [1, 1, cin, select.length])
    return n
  }

  /** option A as a frozen 1×1 conv: subsample by `stride`, place the cin channels at offset ⌊(out−cin)/2⌋ */
  optionA(name: string, cin: number, out: number, stride: number, x: string): string {
    const n = this.add(
      'Conv2D',
      name,
      {
        filters: out,
        kernel_size: [1, 1],
        strides: [stride, stride],
        padding: 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: false,
        trainable: false,
      },
      [x],
    )
    const front = Math.floor((out - cin) / 2)
    const kernel = new Float32Array(cin * out)
    for (let c = 0; c < cin; c++) kernel[c * out + c + front] = 1
    this.weight(name, 'kernel', '', kernel, [1, 1, cin, out])
    return n
  }
}
