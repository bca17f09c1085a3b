/**
 * Flags are checked before anything runs: each mistake is exit 2 and one line naming the flag or
 * field, nothing is queued or written.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, tempDir } from '../helpers/tmp'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const db = join(tmp.dir, 'flags.db')

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SPLINE_LAB_HOME: tmp.dir }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('bad CLI flags', () => {
  it.each([
    [['run', '--ratio', '-1', '--db', db], /^spline-lab: --ratio: /],
    [['run', '--epochs', '-3', '--db', db], /^spline-lab: --epochs: /],
    [['run', '--lr', '-.5', '--db', db], /^spline-lab: --lr: /],
    [['runs', '--db', ''], /^spline-lab: --db: empty value\n$/],
    [
      ['run', '--dataset', 'builtin:xshape', '--model', 'vgg11', '--method', 'dense', '--db', db],
      /^spline-lab: config\.model: model 'vgg11' needs image input/,
    ],
    [['inspect', '--model', 'vgg11', '--input', '2', '--classes', '2'], /^spline-lab: model 'vgg11' needs image input/],
    [['run', '--bogus', '--db', db], /^spline-lab: Unknown option '--bogus'/],
  ])('%j: exit 2, one line', (args, message) => {
    const r = cli(...args)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('a model that does not fit the dataset queues nothing', () => {
    expect(cli('run', '--dataset', 'builtin:xshape', '--model', 'resnet20', '--db', db).code).toBe(2)
    if (existsSync(db)) {
      const list = cli('runs', '--db', db, '--json')
      expect(JSON.parse(list.stdout)).toEqual([])
    }
  })
})
