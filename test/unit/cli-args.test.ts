import { describe, expect, it } from 'vitest'
import { RUN_FLAGS, UsageError, parseFlags, runConfigFromFlags } from '../../src-main/cli/args'

const config = (argv: string[]) => runConfigFromFlags(parseFlags(argv, RUN_FLAGS).values)
const base = ['--dataset', 'builtin:xshape', '--model', 'mlp', '--method', 'dense']

describe('--train-workers', () => {
  it('takes auto or a worker count into the run config, and is absent when not given', () => {
    expect(config([...base, '--train-workers', 'auto']).trainWorkers).toBe('auto')
    expect(config([...base, '--train-workers', '2']).trainWorkers).toBe(2)
    expect(config(base).trainWorkers).toBeUndefined()
  })

  it('names the flag when the value is not a count', () => {
    expect(() => config([...base, '--train-workers', 'many'])).toThrow(UsageError)
    expect(() => config([...base, '--train-workers', 'many'])).toThrow(/train-workers/)
    expect(() => config([...base, '--train-workers', '0'])).toThrow(/train-workers/)
  })
})
