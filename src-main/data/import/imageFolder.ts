/**
 * Image folders: train/<class>/*, test/<class>/* or <class>/* (we make a seeded per-class split
 * and record it). Two passes: headers first (sizes, channels, which files are images at all),
 * then decode and stream into the cache. Mixed sizes stop the import with an offer to resize;
 * grayscale among colour is converted and reported; every bad file is reported and skipped.
 */
import { ImportError, fmt, fsReason, type Problems } from './errors'
import { decodeImage, describeContent, readImageHeader, resizeImage, sniffImage, type ImageHeader } from './images'
import { type FormatPlan, type ReadContext, type ReadOutcome, readHead } from './reader'
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, growInt, splitMask } from './split'
import { byName, type FileEntry, type Walk } from './walk'

interface Item {
  entry: FileEntry
  cls: string
  split: 'train' | 'test'
  header: ImageHeader
}

const IMAGE_EXT = /\.(png|jpe?g)$/i
/** an image file larger than this is not a dataset image (and is not read whole into memory) */
const MAX_IMAGE_FILE = 256 * 2 ** 20
/** a JPEG's frame header may sit behind large EXIF blocks: this much is read to find it */
const MAX_HEADER_READ = 16 * 2 ** 20

/** Recognizes the layout from folder names; null when there are no sub-folders with files. */
export function planImageFolder(root: string, walk: Walk): FormatPlan | null {
  const top = new Set(walk.dirs.filter((d) => !d.includes('/')))
  const lower = new Map([...top].map((d) => [d.toLowerCase(), d]))
  const trainDir = lower.get('train')
  const testDir = lower.get('test')
  const splitLayout = trainDir !== undefined && testDir !== undefined
  const classDirs = splitLayout ? walk.dirs.filter((d) => d.split('/').length === 2 && (d.startsWith(`${trainDir}/`) || d.startsWith(`${testDir}/`))) : [...top]
  if (!classDirs.length) return null
  const inClass = walk.files.filter((f) => f.rel.split('/').length === (splitLayout ? 3 : 2))
  const imageLike = (f: FileEntry) => IMAGE_EXT.test(f.rel) || (f.size > 0 && sniffImage(safeHead(f)) !== null)
  if (!inClass.slice(0, 200).some(imageLike) && !inClass.some((f) => IMAGE_EXT.test(f.rel))) return null
  return {
    format: 'image-folder',
    files: inClass,
    read: (ctx) => readImageFolder(ctx, root, walk, classDirs, inClass, splitLayout ? { train: trainDir!, test: testDir! } : null),
  }
}

function safeHead(f: FileEntry): Uint8Array {
  try {
    return readHead(f, 16)
  } catch {
    return new Uint8Array(0)
  }
}

function scan(entry: FileEntry, problems: Problems): ImageHeader | null {
  if (entry.size === 0) {
    problems.warn(entry.rel, 'empty file (0 bytes); skipped')
    return null
  }
  let head: Buffer
  try {
    head = readHead(entry, 65_536)
  } catch (err) {
    problems.warn(entry.rel, `${err instanceof ImportError ? err.problem : fsReason(err)}; skipped`)
    return null
  }
  const kind = sniffImage(head)
  if (!kind) {
    const ext = /\.(\w+)$/.exec(entry.rel)?.[1]
    const named = ext && IMAGE_EXT.test(entry.rel) ? `named .${ext} but ` : ''
    problems.warn(entry.rel, `${named}not a PNG or JPEG image (content: ${describeContent(head)}); skipped`)
    return null
  }
  if (entry.size > MAX_IMAGE_FILE) {
    problems.warn(entry.rel, `is a ${fmt(entry.size)}-byte ${kind.toUpperCase()}, larger than a dataset image can be (${fmt(MAX_IMAGE_FILE)} bytes); skipped`)
    return null
  }
  try {
    return readImageHeader(head)
  } catch (err) {
    if (entry.size > head.length) {
      try {
        return readImageHeader(readHead(entry, MAX_HEADER_READ))
      } catch {
        // fall through to the report below
      }
    }
    problems.warn(entry.rel, `corrupt ${kind.toUpperCase()}: ${(err as Error).message}; skipped`)
    return null
  }
}

async function readImageFolder(
  ctx: ReadContext,
  root: string,
  walk: Walk,
  classDirs: string[],
  files: FileEntry[],
  layout: { train: string; test: string } | null,
): Promise<ReadOutcome> {
  const { problems, options } = ctx
  for (const f of walk.files) {
    const depth = f.rel.split('/').length
    if (depth > (layout ? 3 : 2)) problems.warn(f.rel, 'is nested below a class folder; skipped')
    else if (depth < (layout ? 3 : 2) && IMAGE_EXT.test(f.rel))
      problems.warn(f.rel, `is not inside a class folder (${layout ? 'train/<class>/' : '<class>/'}); skipped`)
  }
  const items: Item[] = []
  let scanned = 0
  for (const entry of files) {
    const parts = entry.rel.split('/')
    const header = scan(entry, problems)
    if (++scanned % 500 === 0) ctx.progress(0, files.length)
    if (!header) continue
    const split = layout ? (parts[0] === layout.test ? 'test' : 'train') : 'train'
    items.push({ entry, cls: parts[layout ? 1 : 0]!, split, header })
  }
  // one pass groups the images by class: the folder walk stays linear in classes + images
  const byClass = new Map<string, Item[]>()
  for (const it of items) {
    const list = byClass.get(it.cls)
    if (list) list.push(it)
    else byClass.set(it.cls, [it])
  }
  const classNames = chooseClasses(ctx, root, classDirs, byClass, layout)
  const classIndex = new Map(classNames.map((c, i) => [c, i]))
  let used = items.filter((it) => classIndex.has(it.cls))
  const seed = options.splitSeed ?? DEFAULT_SPLIT_SEED
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION
  if (!layout) {
    classNames.forEach((cls, ci) => {
      const mine = byClass.get(cls)!
      const mask = splitMask(mine.length, (seed + ci * 0x9e3779b1) >>> 0, fraction)
      mine.forEach((it, k) => (it.split = mask[k] ? 'test' : 'train'))
    })
  }
  for (const split of ['train', 'test'] as const) {
    if (!used.some((it) => it.split === split))
      throw new ImportError(layout ? `${root}/${layout[split]}` : root, `the ${split} split is empty: no images in any class folder`)
  }
  if (options.task === 'regression') throw new ImportError(root, "image folders are classes: task 'regression' does not apply")
  const [h, w] = chooseSize(root, used, options.resizeTo, problems)
  const rgb = used.filter((it) => it.header.channels === 3).length
  const channels: 1 | 3 = rgb > 0 ? 3 : 1
  ctx.budget.claim({
    file: root,
    what: `${fmt(used.length)} images of ${h}×${w}×${channels}`,
    bytes: used.length * (h * w * channels + 4),
    examples: used.length,
    compressedBytes: used.reduce((sum, it) => sum + it.entry.size, 0),
  })
  // decoding one image holds its RGBA pixels: the largest one must fit the budget as well
  const largest = used.reduce((a, b) => (b.header.width * b.header.height > a.header.width * a.header.height ? b : a))
  ctx.budget.check({
    file: largest.entry.rel,
    what: `a ${largest.header.width}×${largest.header.height} image`,
    bytes: largest.header.width * largest.header.height * 4,
    examples: 0,
    compressedBytes: largest.entry.size,
  })
  if (rgb > 0 && rgb < used.length)
    problems.note(`${fmt(used.length - rgb)} grayscale images converted to RGB (gray copied to 3 channels) to match ${fmt(rgb)} colour images`)
  used = [...used.filter((it) => it.split === 'train'), ...used.filter((it) => it.split === 'test')]
  ctx.writer.begin('uint8', h * w * channels, channels)
  const yTrain = growInt()
  const yTest = growInt()
  const firstFailure: Partial<Record<'train' | 'test', string>> = {}
  let done = 0
  for (const it of used) {
    let pixels: Uint8Array
    try {
      const bytes = readHead(it.entry, it.entry.size)
      pixels = resizeImage(decodeImage(bytes, it.header, channels), it.header.height, it.header.width, channels, h, w)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const why =
        err instanceof ImportError
          ? `${err.problem}; skipped`
          : code
            ? `${fsReason(err)}; skipped`
            : `corrupt ${it.header.kind.toUpperCase()} (${(err as Error).message}); skipped`
      problems.warn(it.entry.rel, why)
      firstFailure[it.split] ??= `${it.entry.rel}: ${why}`
      if (++done % 200 === 0) ctx.progress(done, used.length)
      continue
    }
    const label = classIndex.get(it.cls)!
    ctx.writer.add(it.split, pixels)
    ;(it.split === 'train' ? yTrain : yTest).push(label)
    if (it.split === 'train') ctx.thumbnails.offer(label, pixels, h, w, channels)
    if (++done % 200 === 0) ctx.progress(done, used.length)
  }
  ctx.progress(done, used.length)
  for (const [split, ys] of [
    ['train', yTrain],
    ['test', yTest],
  ] as const) {
    if (!ys.length) {
      const n = used.filter((it) => it.split === split).length
      throw new ImportError(
        layout ? `${root}/${layout[split]}` : root,
        `the ${split} split is empty: none of its ${fmt(n)} images could be decoded${firstFailure[split] ? ` (e.g. ${firstFailure[split]})` : ''}`,
      )
    }
  }
  return {
    task: 'classification',
    inputShape: [h, w, channels],
    classNames,
    yTrain: yTrain.toArray(),
    yTest: yTest.toArray(),
    split: layout ? null : { seed, testFraction: fraction },
    detail: `${[...new Set(used.map((i) => i.header.kind.toUpperCase()))].join(' and ')} images`,
  }
}

/** Classes with at least one training image, in natural order; the rest reported. */
function chooseClasses(
  ctx: ReadContext,
  root: string,
  classDirs: string[],
  byClass: Map<string, Item[]>,
  layout: { train: string; test: string } | null,
): string[] {
  const names = [...new Set(classDirs.map((d) => d.split('/').pop()!))].sort(byName)
  const keep: string[] = []
  for (const cls of names) {
    const mine = byClass.get(cls) ?? []
    let train = 0
    for (const it of mine) if (it.split === 'train') train++
    const test = mine.length - train
    const where = layout ? `${layout.train}/${cls}` : cls
    if (train + test === 0) ctx.problems.warn(where, 'class folder has no images; skipped')
    else if (layout && train === 0)
      ctx.problems.warn(`${layout.test}/${cls}`, `class has test images but no ${layout.train}/${cls} folder with images; skipped`)
    else {
      if (layout && test === 0) ctx.problems.warn(`${layout.test}/${cls}`, 'class has no test images (missing or empty folder)')
      keep.push(cls)
    }
  }
  if (keep.length === 0) throw new ImportError(root, `not a dataset: no PNG or JPEG images in the class folders (${ctx.problems.first ?? 'no files'})`)
  if (keep.length === 1) throw new ImportError(root, `only one class ('${keep[0]}') has images: a classifier needs at least two class folders`)
  return keep
}

/** The one image size, or the requested resize; mixed sizes without a resize stop the import. */
function chooseSize(root: string, items: Item[], resizeTo: [number, number] | undefined, problems: Problems): [number, number] {
  const sizes = new Map<string, { n: number; example: string; h: number; w: number }>()
  for (const it of items) {
    const key = `${it.header.height}×${it.header.width}`
    const s = sizes.get(key) ?? { n: 0, example: it.entry.rel, h: it.header.height, w: it.header.width }
    s.n++
    sizes.set(key, s)
  }
  const ranked = [...sizes.entries()].sort((a, b) => b[1].n - a[1].n)
  if (resizeTo) {
    const other = items.filter((it) => it.header.height !== resizeTo[0] || it.header.width !== resizeTo[1]).length
    if (other) problems.note(`${fmt(other)} images resized to ${resizeTo[0]}×${resizeTo[1]} (as asked)`)
    return resizeTo
  }
  if (ranked.length > 1) {
    const [top, ...rest] = ranked
    const list = rest
      .slice(0, 3)
      .map(([k, s]) => `${k} (${fmt(s.n)}, e.g. ${s.example})`)
      .join(', ')
    throw new ImportError(
      root,
      `images have mixed sizes (height×width): ${top![0]} (${fmt(top![1].n)}), ${list}; import again with resize to ${top![0]} (CLI --resize ${top![1].h}x${top![1].w}, options.resizeTo [${top![1].h}, ${top![1].w}])`,
    )
  }
  return [ranked[0]![1].h, ranked[0]![1].w]
}
