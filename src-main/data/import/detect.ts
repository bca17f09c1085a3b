/**
 * Which format a folder holds, by content: IDX magic numbers, CIFAR record lengths, the .npy
 * magic, class folders of PNG/JPEG images, CSV text. A folder that only wraps one other folder
 * (as archives unpack) is looked into.
 */
import { isAbsolute, join } from 'node:path'
import { ImportError, fmt, type Problems } from './errors'
import { planCifar } from './cifar'
import { planCsv } from './csv'
import { planIdx } from './idx'
import { planImageFolder } from './imageFolder'
import { planNpy } from './npy'
import type { FormatPlan } from './reader'
import type { Walk } from './walk'

export interface Detected {
  /** the folder the data is in (the dropped one, or the one folder it wraps) */
  root: string
  walk: Walk
  plan: FormatPlan
}

export function detectFormat(root: string, walk: Walk, problems: Problems): Detected {
  for (let depth = 0; depth < 3; depth++) {
    const top = walk.files.filter((f) => !f.rel.includes('/'))
    const plan = withRoot(
      root,
      () => planIdx(top, walk.files) ?? planCifar(top, walk.files, problems) ?? planNpy(top, walk.files) ?? planImageFolder(root, walk) ?? planCsv(top),
    )
    if (plan) {
      const used = new Set(plan.files.map((f) => f.rel))
      const unused = top.filter(
        (f) => !used.has(f.rel) && !/^(classes|labels|class_names|batches\.meta|fine_label_names|coarse_label_names)\.txt$/i.test(f.rel),
      )
      if (unused.length)
        problems.note(
          `ignored ${fmt(unused.length)} files that are not part of the ${plan.format} data: ${unused
            .slice(0, 5)
            .map((f) => f.rel)
            .join(', ')}${unused.length > 5 ? ', …' : ''}`,
        )
      const at = root
      return { root, walk, plan: { ...plan, read: (ctx) => withRootAsync(at, () => plan.read(ctx)) } }
    }
    const dirs = walk.dirs.filter((d) => !d.includes('/'))
    if (top.length || dirs.length !== 1) break
    const only = dirs[0]!
    root = `${root}/${only}`
    walk = {
      files: walk.files.map((f) => ({ ...f, rel: f.rel.slice(only.length + 1) })),
      dirs: walk.dirs.filter((d) => d.startsWith(`${only}/`)).map((d) => d.slice(only.length + 1)),
      ignored: walk.ignored,
      unreadable: walk.unreadable.filter((u) => u.startsWith(`${only}/`)).map((u) => u.slice(only.length + 1)),
    }
  }
  if (!walk.files.length && walk.unreadable.length)
    throw new ImportError(
      root,
      `not a dataset: no file could be listed (${walk.unreadable[0]}${walk.unreadable.length > 1 ? `, and ${fmt(walk.unreadable.length - 1)} more folders` : ''})`,
    )
  if (!walk.files.length) throw new ImportError(root, 'not a dataset: the folder holds no files (hidden files are ignored)')
  throw new ImportError(
    root,
    `not a dataset: found no IDX files, CIFAR batches, .npy pairs, CSV table or class folders of PNG/JPEG images among ${fmt(walk.files.length)} files`,
  )
}

/** Readers name files relative to the data folder; a fatal error names the full path. */
function withRoot<T>(root: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw rooted(root, err)
  }
}

async function withRootAsync<T>(root: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw rooted(root, err)
  }
}

function rooted(root: string, err: unknown): unknown {
  return err instanceof ImportError && !isAbsolute(err.file) ? new ImportError(join(root, err.file), err.problem) : err
}
