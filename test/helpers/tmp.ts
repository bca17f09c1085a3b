import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'spline-lab-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const REPO = join(__dirname, '..', '..')
export const WORKER_BUNDLE = join(REPO, 'out', 'main', 'trainer.js')
export const CLI = join(REPO, 'bin', 'spline-lab.mjs')
