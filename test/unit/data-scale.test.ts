/**
 * An image-folder import is linear in classes + images: the same number of files takes about as
 * long in 5,000 classes as in 5 (it used to scan every image once per class: 100k files took
 * 4.9 s in 10 classes and 36 s in 20,000).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importFolder } from '../../src-main/data/import/importFolder'
import { tempDir } from '../helpers/tmp'
import { pngBytes } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-scale-')
afterAll(() => tmp.cleanup())

function classFolders(root: string, classes: number, per: number): void {
  const bytes = pngBytes(4, 4, 1, 1)
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `c${c}`)
    mkdirSync(dir, { recursive: true })
    for (let i = 0; i < per; i++) writeFileSync(join(dir, `i${i}.png`), bytes)
  }
}

async function timed(root: string): Promise<number> {
  const started = performance.now()
  await importFolder(root, {}, { dataDir: join(tmp.dir, `app${Math.random()}`) })
  return performance.now() - started
}

describe('image-folder walk', () => {
  it('20,000 files take about as long in 10,000 classes as in 10', async () => {
    const few = join(tmp.dir, 'few')
    const many = join(tmp.dir, 'many')
    classFolders(few, 10, 2000)
    classFolders(many, 10_000, 2)
    const [a, b] = [await timed(few), await timed(many)]
    console.log(`20,000 PNGs: ${a.toFixed(0)} ms in 10 classes, ${b.toFixed(0)} ms in 10,000 classes`)
    // 10,000 folders cost a readdir and a realpath each; per-class scans of every image cost far more
    expect(b / a).toBeLessThan(2)
  }, 120_000)
})
