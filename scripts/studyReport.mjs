#!/usr/bin/env node
// The Markdown tables of every sweep in a study database (scripts/study.sh): accuracy per
// operating point (mean ± std), paired 95 % intervals against random and l1, the checklist.
// The tables are the CLI's own Markdown export; this only finds the sweeps.
//   node scripts/studyReport.mjs [DB] > study.md
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const db = process.argv[2] ?? 'study.db'
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'spline-lab.mjs')
const runs = JSON.parse(execFileSync(process.execPath, [cli, 'runs', '--db', db, '--json'], { encoding: 'utf8' }).trim().split('\n').at(-1))
const sweeps = [...new Set(runs.map((r) => r.sweepId).filter(Boolean))].reverse()
if (!sweeps.length) {
  process.stderr.write(`studyReport: no sweeps in ${db}\n`)
  process.exit(2)
}
process.stdout.write(execFileSync(process.execPath, [cli, 'export', ...sweeps, '--format', 'md', '--out', '-', '--db', db], { encoding: 'utf8' }))
