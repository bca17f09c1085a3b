/**
 * What the score-based criteria read of a channel group: |γ| of its BN, the weight producing it,
 * and sums over each output channel of that weight.
 */
import type { ChannelGroup } from '../../contract/arch'
import type { Network } from '../network'
import { producerWeight } from './producers'

export function gammaAbs(network: Network, group: ChannelGroup): Float32Array {
  return (network.param(`${group.id}.gamma`).dataSync() as Float32Array).map(Math.abs)
}

/** The values of the weight producing the group's channels (output channel on the last axis). */
export function producerValues(network: Network, group: ChannelGroup): Float32Array {
  return network.param(producerWeight(group)).dataSync() as Float32Array
}

/** Σ over each output channel (last axis) of f(values). */
export function perChannel(values: Float32Array, channels: number, f: (v: number, i: number) => number): Float32Array {
  const out = new Float32Array(channels)
  for (let i = 0; i < values.length; i++) out[i % channels]! += f(values[i]!, i)
  return out
}
