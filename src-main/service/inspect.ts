/** `models.inspect`: a model's architecture and per-layer costs for an input shape. Pure: no database, no trainer. */
import { ApiError, type ParsedParams, type Result } from '../contract/api'
import { buildSpec } from '../core/models'
import { countCosts } from '../core/flops'

export function inspectModel(p: ParsedParams<'models.inspect'>): Result<'models.inspect'> {
  let arch
  try {
    arch = buildSpec(p.model, p.input, p.classes, { width: p.width, hidden: p.hidden })
  } catch (err) {
    throw new ApiError('bad-request', err instanceof Error ? err.message : String(err))
  }
  return { arch, costs: countCosts(arch) }
}
