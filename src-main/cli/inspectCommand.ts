/** `inspect`: totals and per-layer MACs / FLOPs / params of a model for an input shape. */
import { ApiError, MODELS, parseRequest } from '../contract/api'
import { inspectModel } from '../service/inspect'
import { UsageError, parseFlags } from './args'

export function cmdInspect(argv: string[]): number {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    input: { type: 'string' },
    classes: { type: 'string' },
    width: { type: 'string' },
    hidden: { type: 'string' },
    json: { type: 'boolean' },
  })
  const model = values.model ?? 'mlp'
  if (!(MODELS as readonly string[]).includes(model)) throw new UsageError(`--model: must be one of ${MODELS.join(', ')}`)
  const input = (values.input ?? '32,32,3').split(',').map(Number)
  if (input.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`--input: '${values.input}' must be H,W,C or a feature count`)
  const classes = Number(values.classes ?? 10)
  if (!Number.isInteger(classes) || classes < 1) throw new UsageError(`--classes: '${values.classes}' must be a positive integer`)
  const width = values.width === undefined ? 1 : Number(values.width)
  if (!(width > 0)) throw new UsageError(`--width: '${values.width}' must be > 0`)
  const hidden = values.hidden?.split(',').map(Number)
  let costs
  try {
    costs = inspectModel(parseRequest<'models.inspect'>('models.inspect', { model, input, classes, width, ...(hidden ? { hidden } : {}) })).costs
  } catch (err) {
    throw new UsageError(err instanceof ApiError ? err.message : String(err))
  }
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ model, input, classes, width, macs: costs.macs, flops: costs.flops, params: costs.params, layers: costs.layers }) + '\n',
    )
    return 0
  }
  const pad = (s: string | number, n: number) => String(s).padStart(n)
  process.stdout.write(`${'layer'.padEnd(16)}${pad('output', 14)}${pad('MACs', 14)}${pad('FLOPs', 14)}${pad('params', 12)}\n`)
  for (const l of costs.layers) {
    process.stdout.write(
      `${l.name.padEnd(16)}${pad(l.output.join('×'), 14)}${pad(l.macs.toLocaleString('en'), 14)}${pad(l.flops.toLocaleString('en'), 14)}${pad(l.params.toLocaleString('en'), 12)}\n`,
    )
  }
  process.stdout.write(
    `${'total'.padEnd(30)}${pad(costs.macs.toLocaleString('en'), 14)}${pad(costs.flops.toLocaleString('en'), 14)}${pad(costs.params.toLocaleString('en'), 12)}\n`,
  )
  return 0
}
