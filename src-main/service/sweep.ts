/**
 * A sweep is a grid of methods × ratios × seeds (× criteria × P for the spline criterion): each
 * cell a normal run config, queued through the one trainer under a shared sweep id. Dense runs do
 * not depend on the ratio, so they appear once per seed. With `equalMacs` every pruned cell of a
 * ratio costs the same MACs whatever its criterion: pruned layerwise (the same widths), or with
 * budget 'macs' (its ratio solved for the MACs layerwise pruning at the ratio leaves).
 */
import { DEFAULT_CRITERION, type ParsedParams, type RunConfig } from '../contract/api'

export function expandSweep(request: ParsedParams<'runs.sweep'>): RunConfig[] {
  const out: RunConfig[] = []
  const label = request.name ?? `sweep ${request.config.model} · ${request.config.dataset.replace(/^builtin:/, '')}`
  for (let i = 0; i < request.seeds; i++) {
    const seed = request.config.seed + i
    for (const method of request.methods) {
      if (method === 'dense') {
        out.push({ ...request.config, method, seed, name: `${label} · dense · seed ${seed}` })
        continue
      }
      const equal = request.equalMacs === 'layerwise' ? { scope: 'layerwise' as const } : request.equalMacs === 'target' ? { budget: 'macs' as const } : {}
      const eqTag = request.equalMacs ? ' (equal MACs)' : ''
      for (const ratio of request.ratios) {
        for (const criterion of request.criteria ?? [request.config.criterion ?? DEFAULT_CRITERION[method]!]) {
          for (const P of criterion === 'spline' ? (request.Ps ?? [request.config.P]) : [request.config.P]) {
            const pTag = criterion === 'spline' && request.Ps ? ` P=${P}` : ''
            out.push({
              ...request.config,
              ...equal,
              method,
              criterion,
              ratio,
              P,
              seed,
              name: `${label} · ${method} ${criterion}${pTag} · ${Math.round(ratio * 100)}%${eqTag} · seed ${seed}`,
            })
          }
        }
      }
    }
  }
  return out
}

export function defaultRunName(c: RunConfig): string {
  const data = c.dataset.replace(/^builtin:/, '')
  if (c.method === 'dense') return `${c.model} dense · ${data} · seed ${c.seed}`
  return `${c.model} ${c.method} ${c.criterion ?? DEFAULT_CRITERION[c.method]} ${Math.round(c.ratio * 100)}% · ${data} · seed ${c.seed}`
}
