/**
 * Lists a dropped folder without trusting it: hidden files and OS litter are ignored, symlinked
 * folders are followed once (a loop is reported, not followed forever), links that lead out of the
 * dropped folder are reported and skipped (a dataset cannot pull in ~/.ssh), unreadable folders
 * are reported and skipped. Only metadata is read here.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { ImportError, Problems, fmt, fsReason } from './errors'

export interface FileEntry {
  /** path relative to the dropped folder, '/'-separated */
  rel: string
  abs: string
  size: number
  mtimeMs: number
}

const LITTER = new Set(['Thumbs.db', 'desktop.ini', '__MACOSX'])
const MAX_DEPTH = 6
const MAX_FILES = 2_000_000

export interface Walk {
  files: FileEntry[]
  /** folders (rel) that exist, including empty ones: class folders may be empty */
  dirs: string[]
  ignored: number
  /** folders that could not be listed ('rel: reason'), so an empty result can say why */
  unreadable: string[]
}

/**
 * `tick` is called every few hundred entries (cancellation checks). An unreadable dropped folder
 * is fatal (it is not an empty one); unreadable folders below it are reported and skipped.
 */
export function walkFolder(root: string, problems: Problems, tick: () => void = () => {}): Walk {
  const files: FileEntry[] = []
  const dirs: string[] = []
  const seen = new Set<string>()
  let ignored = 0
  let entries = 0
  const unreadable: string[] = []
  let top: string
  try {
    top = realpathSync(root)
  } catch {
    top = root
  }
  const inside = (real: string) => real === top || real.startsWith(top.endsWith(sep) ? top : top + sep)
  const outsideWarning = 'links outside the dataset folder; skipped'
  const visit = (abs: string, rel: string, depth: number) => {
    let real: string
    try {
      real = realpathSync(abs)
    } catch (err) {
      if (!rel) throw new ImportError(root, fsReason(err))
      problems.warn(rel, `${fsReason(err)}; skipped`)
      unreadable.push(`${rel}: ${fsReason(err)}`)
      return
    }
    if (!inside(real)) {
      problems.warn(rel, outsideWarning)
      return
    }
    if (seen.has(real)) {
      problems.warn(rel, 'links back to a folder already read (a symlink loop); skipped')
      return
    }
    seen.add(real)
    let names: string[]
    try {
      names = readdirSync(abs).sort(byName)
    } catch (err) {
      if (!rel) throw new ImportError(root, fsReason(err).replace(/^cannot be read/, 'the folder cannot be read'))
      problems.warn(rel, `${fsReason(err)}; skipped`)
      unreadable.push(`${rel}: ${fsReason(err)}`)
      return
    }
    if (rel) dirs.push(rel)
    for (const name of names) {
      if (name.startsWith('.') || LITTER.has(name)) {
        ignored++
        continue
      }
      if (++entries % 512 === 0) tick()
      const childAbs = join(abs, name)
      const childRel = rel ? `${rel}/${name}` : name
      let st
      try {
        st = statSync(childAbs)
        if (st.isFile() && lstatSync(childAbs).isSymbolicLink() && !inside(realpathSync(childAbs))) {
          problems.warn(childRel, outsideWarning)
          continue
        }
      } catch (err) {
        problems.warn(childRel, `${fsReason(err)}; skipped`)
        continue
      }
      if (st.isDirectory()) {
        if (depth + 1 > MAX_DEPTH) problems.warn(childRel, `deeper than ${MAX_DEPTH} folders; skipped`)
        else visit(childAbs, childRel, depth + 1)
      } else if (st.isFile()) {
        if (files.length >= MAX_FILES) throw new ImportError(root, `holds more than ${fmt(MAX_FILES)} files: more than a dataset folder this import reads`)
        files.push({ rel: childRel, abs: childAbs, size: st.size, mtimeMs: st.mtimeMs })
      } else {
        // never opened: reading a FIFO blocks until someone writes to it, a device never ends
        problems.warn(childRel, `is not a regular file (${st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device'}); skipped`)
      }
    }
  }
  visit(root, '', 0)
  if (ignored) problems.note(`ignored ${ignored} hidden or system files (.DS_Store and the like)`)
  return { files, dirs, ignored, unreadable }
}

const collator = new Intl.Collator('en', { numeric: true })

/** natural order: img2 before img10, class names as people sort them (one collator: localeCompare builds one per call) */
export function byName(a: string, b: string): number {
  return collator.compare(a, b)
}
