/**
 * An independent float64 reference of a network's inference-mode forward and backward pass, for
 * small mlp / cnn specs (dense, conv, max pool with stride = size, flatten, gap, classifier): the
 * loss Σᵢ wᵢ·CE(fᵢ / T, yᵢ), its gradient by hand-written backprop, and the Hessian-vector product
 * H·v by central differences of that gradient with the ReLU and max-pool patterns of θ held fixed
 * (the Hessian almost everywhere; no pattern flips between the two points, so the differences are
 * of a smooth function). Plain loops over NHWC arrays, nothing shared with src-main but the spec.
 */
import type { ArchSpec } from '../../src-main/contract/arch'

export type Params = Record<string, { shape: number[]; values: Float64Array }>

export interface RefSamples {
  x: Float64Array
  y: Int32Array
  w: Float64Array
  count: number
}

const BN_EPS = 1e-5

interface Masks {
  relu: Uint8Array[]
  pool: Int32Array[]
}

type Tape = (() => void)[]

interface Act {
  v: Float64Array
  /** gradient accumulated in the backward pass */
  g: Float64Array
  shape: number[]
}

const act = (v: Float64Array, shape: number[]): Act => ({ v, g: new Float64Array(v.length), shape })

/** Loss and gradient (by parameter name) at `params`; masks recorded when absent, else reused. */
export function refLossAndGrad(
  spec: ArchSpec,
  params: Params,
  samples: RefSamples,
  T: number,
  masks?: Masks,
): { loss: number; grad: Record<string, Float64Array>; masks: Masks } {
  const N = samples.count
  const grad: Record<string, Float64Array> = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, new Float64Array(p.values.length)]))
  const rec: Masks = masks ?? { relu: [], pool: [] }
  let reluAt = 0
  let poolAt = 0
  const tape: Tape = []
  const P = (name: string) => {
    const p = params[name]
    if (!p) throw new Error(`reference: no parameter ${name}`)
    return p.values
  }
  let h = act(Float64Array.from(samples.x), [N, ...spec.input])

  const dense = (x: Act, name: string, bias: boolean): Act => {
    const fin = x.v.length / N
    const W = P(`${name}.weight`)
    const units = W.length / fin
    const out = act(new Float64Array(N * units), [N, units])
    for (let n = 0; n < N; n++)
      for (let u = 0; u < units; u++) {
        let s = bias ? P(`${name}.bias`)[u]! : 0
        for (let i = 0; i < fin; i++) s += x.v[n * fin + i]! * W[i * units + u]!
        out.v[n * units + u] = s
      }
    tape.push(() => {
      const gW = grad[`${name}.weight`]!
      for (let n = 0; n < N; n++)
        for (let u = 0; u < units; u++) {
          const d = out.g[n * units + u]!
          if (bias) grad[`${name}.bias`]![u]! += d
          for (let i = 0; i < fin; i++) {
            gW[i * units + u]! += x.v[n * fin + i]! * d
            x.g[n * fin + i]! += W[i * units + u]! * d
          }
        }
    })
    return out
  }

  const conv = (x: Act, name: string, stride: number, pad: number, bias: boolean): Act => {
    const [, H, Wd, C] = x.shape as [number, number, number, number]
    const W = P(`${name}.weight`)
    const [k, , , Co] = params[`${name}.weight`]!.shape as [number, number, number, number]
    const Ho = Math.floor((H + 2 * pad - k) / stride) + 1
    const Wo = Math.floor((Wd + 2 * pad - k) / stride) + 1
    const out = act(new Float64Array(N * Ho * Wo * Co), [N, Ho, Wo, Co])
    const xi = (n: number, y: number, xx: number, c: number) => ((n * H + y) * Wd + xx) * C + c
    const wi = (ky: number, kx: number, c: number, co: number) => ((ky * k + kx) * C + c) * Co + co
    const each = (f: (o: number, i: number, w: number) => void) => {
      for (let n = 0; n < N; n++)
        for (let oy = 0; oy < Ho; oy++)
          for (let ox = 0; ox < Wo; ox++)
            for (let co = 0; co < Co; co++) {
              const o = ((n * Ho + oy) * Wo + ox) * Co + co
              for (let ky = 0; ky < k; ky++) {
                const y = oy * stride + ky - pad
                if (y < 0 || y >= H) continue
                for (let kx = 0; kx < k; kx++) {
                  const xx = ox * stride + kx - pad
                  if (xx < 0 || xx >= Wd) continue
                  for (let c = 0; c < C; c++) f(o, xi(n, y, xx, c), wi(ky, kx, c, co))
                }
              }
            }
    }
    each((o, i, w) => (out.v[o]! += x.v[i]! * W[w]!))
    if (bias) for (let o = 0; o < out.v.length; o++) out.v[o]! += P(`${name}.bias`)[o % Co]!
    tape.push(() => {
      const gW = grad[`${name}.weight`]!
      each((o, i, w) => {
        gW[w]! += x.v[i]! * out.g[o]!
        x.g[i]! += W[w]! * out.g[o]!
      })
      if (bias) for (let o = 0; o < out.g.length; o++) grad[`${name}.bias`]![o % Co]! += out.g[o]!
    })
    return out
  }

  const bn = (z: Act, id: string): Act => {
    const C = z.shape.at(-1)!
    const gamma = P(`${id}.gamma`)
    const beta = P(`${id}.beta`)
    const mean = params[`${id}.runningMean`]!.values
    const variance = params[`${id}.runningVar`]!.values
    const out = act(new Float64Array(z.v.length), z.shape)
    const xhat = new Float64Array(z.v.length)
    for (let i = 0; i < z.v.length; i++) {
      const c = i % C
      xhat[i] = (z.v[i]! - mean[c]!) / Math.sqrt(variance[c]! + BN_EPS)
      out.v[i] = gamma[c]! * xhat[i]! + beta[c]!
    }
    tape.push(() => {
      for (let i = 0; i < z.v.length; i++) {
        const c = i % C
        grad[`${id}.gamma`]![c]! += out.g[i]! * xhat[i]!
        grad[`${id}.beta`]![c]! += out.g[i]!
        z.g[i]! += (out.g[i]! * gamma[c]!) / Math.sqrt(variance[c]! + BN_EPS)
      }
    })
    return out
  }

  const relu = (z: Act): Act => {
    let m = rec.relu[reluAt]
    if (!m) {
      m = Uint8Array.from(z.v, (v) => (v > 0 ? 1 : 0))
      rec.relu[reluAt] = m
    }
    reluAt++
    const mask = m
    const out = act(
      Float64Array.from(z.v, (v, i) => v * mask[i]!),
      z.shape,
    )
    tape.push(() => {
      for (let i = 0; i < z.v.length; i++) z.g[i]! += out.g[i]! * mask[i]!
    })
    return out
  }

  const maxPool = (x: Act, k: number): Act => {
    const [, H, Wd, C] = x.shape as [number, number, number, number]
    const Ho = Math.floor(H / k)
    const Wo = Math.floor(Wd / k)
    const out = act(new Float64Array(N * Ho * Wo * C), [N, Ho, Wo, C])
    let win = rec.pool[poolAt]
    if (!win) {
      win = new Int32Array(out.v.length)
      for (let n = 0; n < N; n++)
        for (let oy = 0; oy < Ho; oy++)
          for (let ox = 0; ox < Wo; ox++)
            for (let c = 0; c < C; c++) {
              let best = -Infinity
              let at = 0
              for (let ky = 0; ky < k; ky++)
                for (let kx = 0; kx < k; kx++) {
                  const i = ((n * H + oy * k + ky) * Wd + ox * k + kx) * C + c
                  if (x.v[i]! > best) {
                    best = x.v[i]!
                    at = i
                  }
                }
              win[((n * Ho + oy) * Wo + ox) * C + c] = at
            }
      rec.pool[poolAt] = win
    }
    poolAt++
    const from = win
    for (let o = 0; o < out.v.length; o++) out.v[o] = x.v[from[o]!]!
    tape.push(() => {
      for (let o = 0; o < out.v.length; o++) x.g[from[o]!]! += out.g[o]!
    })
    return out
  }

  for (const l of spec.layers) {
    switch (l.kind) {
      case 'dense': {
        let z = dense(h, l.name, !l.bn)
        if (l.bn) z = bn(z, `${l.name}.bn`)
        h = l.relu ? relu(z) : z
        break
      }
      case 'conv': {
        let z = conv(h, l.name, l.stride, l.pad, l.bias ?? !l.bn)
        if (l.bn) z = bn(z, `${l.name}.bn`)
        h = l.relu ? relu(z) : z
        break
      }
      case 'maxpool':
        if (l.size !== l.stride) throw new Error('reference: pool size must equal its stride')
        h = maxPool(h, l.size)
        break
      case 'flatten': {
        const x = h
        h = { v: x.v, g: x.g, shape: [N, x.v.length / N] }
        break
      }
      case 'gap': {
        const x = h
        const [, H, Wd, C] = x.shape as [number, number, number, number]
        const out = act(new Float64Array(N * C), [N, C])
        for (let i = 0; i < x.v.length; i++) out.v[Math.floor(i / (H * Wd * C)) * C + (i % C)]! += x.v[i]! / (H * Wd)
        tape.push(() => {
          for (let i = 0; i < x.v.length; i++) x.g[i]! += out.g[Math.floor(i / (H * Wd * C)) * C + (i % C)]! / (H * Wd)
        })
        h = out
        break
      }
      default:
        throw new Error(`reference: layer kind ${l.kind} is not supported`)
    }
  }
  const f = dense(h, 'classifier', true)
  const K = spec.classes
  let loss = 0
  for (let n = 0; n < N; n++) {
    const row = Array.from({ length: K }, (_, k) => f.v[n * K + k]! / T)
    const m = Math.max(...row)
    const lse = m + Math.log(row.reduce((s, r) => s + Math.exp(r - m), 0))
    loss += samples.w[n]! * (lse - row[samples.y[n]!]!)
    for (let k = 0; k < K; k++) f.g[n * K + k] = (samples.w[n]! * (Math.exp(row[k]! - lse) - (k === samples.y[n] ? 1 : 0))) / T
  }
  for (let i = tape.length - 1; i >= 0; i--) tape[i]!()
  return { loss, grad, masks: rec }
}

/** The trainable parameter names of `params` (BN running statistics excluded). */
const trainable = (params: Params) => Object.keys(params).filter((k) => !/\.running(Mean|Var)$/.test(k))

/**
 * H·v by central differences of the float64 gradient, the patterns of θ frozen; h scaled so the
 * step is 1e-5 of ‖θ‖.
 */
export function refHessianVector(
  spec: ArchSpec,
  params: Params,
  samples: RefSamples,
  T: number,
  v: Record<string, ArrayLike<number>>,
  rel = 1e-5,
): Record<string, Float64Array> {
  const names = trainable(params)
  const { masks } = refLossAndGrad(spec, params, samples, T)
  const norm = (f: (k: string) => ArrayLike<number>) => Math.sqrt(names.reduce((s, k) => s + Array.from(f(k)).reduce((a, b) => a + b * b, 0), 0))
  const h = (rel * norm((k) => params[k]!.values)) / norm((k) => v[k]!)
  const at = (sign: number) => {
    const moved: Params = { ...params }
    for (const k of names) moved[k] = { shape: params[k]!.shape, values: params[k]!.values.map((t, i) => t + sign * h * v[k]![i]!) }
    return refLossAndGrad(spec, moved, samples, T, masks).grad
  }
  const plus = at(1)
  const minus = at(-1)
  return Object.fromEntries(names.map((k) => [k, plus[k]!.map((p, i) => (p - minus[k]![i]!) / (2 * h))]))
}

/** ‖a − b‖ / ‖b‖ over the named entries. */
export function relativeError(a: Record<string, ArrayLike<number>>, b: Record<string, ArrayLike<number>>, names = Object.keys(b)): number {
  let num = 0
  let den = 0
  for (const k of names)
    for (let i = 0; i < b[k]!.length; i++) {
      num += (a[k]![i]! - b[k]![i]!) ** 2
      den += b[k]![i]! ** 2
    }
  return Math.sqrt(num / den)
}

/** A network snapshot (tfjs Network.snapshot()) as float64 parameters. */
export function toParams(snapshot: Record<string, { shape: number[]; values: Float32Array }>): Params {
  return Object.fromEntries(Object.entries(snapshot).map(([k, s]) => [k, { shape: s.shape, values: Float64Array.from(s.values) }]))
}
