/**
 * Dataset folders are read, never trusted: a symlink that leads out of the dropped folder (to a
 * file or a folder) is reported and skipped, links inside it still work, and nothing is written there.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importFolder } from '../../src-main/data/import/importFolder'
import { tempDir } from '../helpers/tmp'
import { imageFolder, pngBytes, snapshot, write } from '../helpers/dataFixtures'

const tmp = tempDir('spline-lab-links-')
afterAll(() => tmp.cleanup())

describe('symlinks in a dataset folder', () => {
  it('are not followed out of the folder; links within it are', async () => {
    const root = join(tmp.dir, 'data')
    const outside = join(tmp.dir, 'elsewhere')
    mkdirSync(root)
    imageFolder(root)
    mkdirSync(join(outside, 'bird'), { recursive: true })
    for (let i = 0; i < 3; i++) write(outside, `bird/${i}.png`, pngBytes(8, 8, 1, 40 + i))
    write(outside, 'secret.png', pngBytes(8, 8, 1, 99))
    writeFileSync(join(outside, 'passwd'), 'root:x:0:0')
    symlinkSync(join(outside, 'bird'), join(root, 'bird')) // a whole class folder from outside
    symlinkSync(join(outside, 'secret.png'), join(root, 'cat', 'leak.png'))
    symlinkSync(join(outside, 'passwd'), join(root, 'dog', 'passwd.png'))
    symlinkSync(join(root, 'cat'), join(root, 'kitty')) // inside: fine, read once
    const before = snapshot(root)
    const out = await importFolder(root, {}, { dataDir: join(tmp.dir, 'app') })
    expect(snapshot(root)).toBe(before)
    const warnings = (out.info.warnings ?? []).join('\n')
    expect(warnings).toMatch(/bird: links outside the dataset folder; skipped/)
    expect(warnings).toMatch(/cat\/leak\.png: links outside the dataset folder; skipped/)
    expect(warnings).toMatch(/dog\/passwd\.png: links outside the dataset folder; skipped/)
    expect(out.info.classes!.map((c) => c.name)).not.toContain('bird')
    // Only the files made inside the folder were read: as many per class as imageFolder wrote.
    expect(out.info.classes!.map((c) => c.train + c.test)).toEqual(out.info.classes!.map(() => out.info.classes![0]!.train + out.info.classes![0]!.test))
  })
})
