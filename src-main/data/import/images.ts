/**
 * PNG and JPEG: sniffing by content, header-only size reading, decoding to HWC bytes with pure-JS
 * decoders (pngjs, jpeg-js; see docs/datasets.md for why not sharp), resizing and thumbnails.
 */
import { crc32, inflateSync } from 'node:zlib'
import { PNG } from 'pngjs'
import jpeg from 'jpeg-js'

export type ImageKind = 'png' | 'jpeg'

export interface ImageHeader {
  kind: ImageKind
  width: number
  height: number
  /** 1 for grayscale (with or without alpha), 3 for colour */
  channels: 1 | 3
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
/** a dataset image larger than this is a corrupt header, or nothing a small net should read */
export const MAX_PIXELS = 40_000_000

export function sniffImage(buf: Uint8Array): ImageKind | null {
  if (buf.length >= 8 && PNG_SIG.every((b, i) => buf[i] === b)) return 'png'
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg'
  return null
}

/** What the first bytes look like, for "named .png but is …" messages. */
export function describeContent(buf: Uint8Array): string {
  if (buf.length === 0) return 'empty'
  const head = buf.subarray(0, 24)
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))
  if (printable) return `text ("${Buffer.from(head).toString('latin1').replace(/\s+/g, ' ').trim()}…")`
  return `binary data starting ${Buffer.from(buf.subarray(0, 4)).toString('hex')}`
}

/** Reads width, height and channels from the header alone; throws a short reason if malformed. */
export function readImageHeader(buf: Uint8Array): ImageHeader {
  const header = parseHeader(buf)
  if (header.width * header.height > MAX_PIXELS)
    throw new Error(`header says ${header.width}×${header.height} pixels, beyond the ${MAX_PIXELS / 1e6}-megapixel limit`)
  return header
}

function parseHeader(buf: Uint8Array): ImageHeader {
  const kind = sniffImage(buf)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (kind === 'png') {
    if (buf.length < 33 || Buffer.from(buf.subarray(12, 16)).toString('latin1') !== 'IHDR') throw new Error('PNG header (IHDR) is missing or cut short')
    const width = view.getUint32(16)
    const height = view.getUint32(20)
    const colorType = buf[25]!
    if (!width || !height) throw new Error('PNG header says the image is 0 pixels wide or high')
    if (![0, 2, 3, 4, 6].includes(colorType)) throw new Error(`PNG header has an invalid colour type ${colorType}`)
    return { kind, width, height, channels: colorType === 0 || colorType === 4 ? 1 : 3 }
  }
  if (kind === 'jpeg') {
    let p = 2
    while (p + 9 < buf.length) {
      if (buf[p] !== 0xff) throw new Error(`JPEG marker expected at byte ${p}`)
      const marker = buf[p + 1]!
      if (marker === 0xff) {
        p++
        continue
      }
      const len = view.getUint16(p + 2)
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
      if (isSof) {
        const height = view.getUint16(p + 5)
        const width = view.getUint16(p + 7)
        const comps = buf[p + 9]!
        if (!width || !height) throw new Error('JPEG header says the image is 0 pixels wide or high')
        return { kind, width, height, channels: comps === 1 ? 1 : 3 }
      }
      if (marker === 0xda || len < 2) break
      p += 2 + len
    }
    throw new Error('JPEG has no frame header (cut short or not a baseline/progressive JPEG)')
  }
  throw new Error('not a PNG or JPEG image')
}

/** Decodes to HWC bytes with `channels` channels (gray is copied to RGB; alpha is dropped). */
export function decodeImage(buf: Uint8Array, header: ImageHeader, channels: 1 | 3): Uint8Array {
  let rgba: Uint8Array
  let width: number
  let height: number
  if (header.kind === 'png') checkPngChunks(buf)
  try {
    if (header.kind === 'png') {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength))
      ;({ width, height } = png)
      rgba = png.data
    } else {
      // tolerantDecoding off: a cut-short JPEG must fail, not come back half grey
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: 64, maxMemoryUsageInMB: 512 })
      ;({ width, height } = img)
      rgba = img.data
    }
  } catch (err) {
    throw new Error(decoderReason(err), { cause: err })
  }
  if (width !== header.width || height !== header.height)
    throw new Error(`decoded size ${width}×${height} differs from the header's ${header.width}×${header.height}`)
  const n = width * height
  const out = new Uint8Array(n * channels)
  if (channels === 1) for (let i = 0; i < n; i++) out[i] = rgba[4 * i]!
  else
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i]!
      out[3 * i + 1] = rgba[4 * i + 1]!
      out[3 * i + 2] = rgba[4 * i + 2]!
    }
  return out
}

/**
 * Walks a PNG's chunks, checks each one's CRC and inflates the image data once with zlib's own
 * checks. pngjs's synchronous reader misses both: a damaged chunk comes back as "unrecognised
 * content at end of stream", and a corrupt deflate stream can come back as an image made of
 * uninitialized memory (its own inflate loop does not see zlib's error in time).
 */
export function checkPngChunks(buf: Uint8Array): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const data: Uint8Array[] = []
  for (let p = 8; ;) {
    if (p + 12 > buf.length) throw new Error('the image data is cut short (no IEND chunk)')
    const len = view.getUint32(p)
    if (p + 12 + len > buf.length) throw new Error('the image data is cut short')
    const type = Buffer.from(buf.subarray(p + 4, p + 8)).toString('latin1')
    if (crc32(buf.subarray(p + 4, p + 8 + len)) !== view.getUint32(p + 8 + len))
      throw new Error(`the checksum (CRC) of its ${/^[A-Za-z]{4}$/.test(type) ? type : 'first damaged'} chunk is wrong: the file is damaged`)
    if (type === 'IDAT') data.push(buf.subarray(p + 8, p + 8 + len))
    if (type === 'IEND') break
    p += 12 + len
  }
  const [width, height, depth, colorType, interlace] = [view.getUint32(16), view.getUint32(20), buf[24]!, buf[25]!, buf[28]!]
  const samples = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? 4
  const rowBytes = ((width * samples * depth + 7) >> 3) + 1
  const expected = interlace ? 0 : rowBytes * height
  let inflated: Buffer
  try {
    inflated = inflateSync(Buffer.concat(data), expected ? { maxOutputLength: expected } : {})
  } catch (err) {
    // more data than the image needs is ignored by decoders: not damage
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return
    throw new Error(/unexpected end/i.test((err as Error).message) ? 'the image data is cut short' : 'the compressed image data is corrupt', { cause: err })
  }
  if (inflated.length < expected) throw new Error('the image data is cut short')
}

/**
 * What a decoder's exception means, in words: pngjs and jpeg-js throw their own internals
 * (zlib codes, "Cannot read properties of undefined", stream states) that say nothing to a user.
 */
export function decoderReason(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  if (/crc/i.test(m)) return 'a chunk checksum (CRC) is wrong: the file is damaged'
  if (/unrecognised content|unrecognized content/i.test(m)) return 'the compressed image data is corrupt'
  if (/signature|SOI not found/i.test(m)) return 'the file signature is damaged'
  if (/unexpected end|end of (file|input|stream)|waiting on finished|premature|truncat|buffer ?overrun|out of (range|bounds)/i.test(m))
    return 'the image data is cut short'
  if (/incorrect header check|invalid (distance|code|block|stored|literal)|too many length|zlib|inflate|Z_[A-Z]+/i.test(m))
    return 'the compressed image data is corrupt'
  if (/filter/i.test(m)) return 'a row has an unknown filter type: the file is damaged'
  if (/bit ?depth|colou?r ?type|interlace|unsupported|not supported/i.test(m)) return 'uses a PNG/JPEG variant the decoder does not support'
  if (/limit exceeded|maxResolution|maxMemory/i.test(m)) return 'too large to decode'
  if (/marker|huffman|table|quantization|frame|scan|component/i.test(m)) return 'the JPEG structure is damaged'
  return 'the image data cannot be decoded: the file is damaged'
}

/** Resizes HWC bytes: area average when shrinking, bilinear when growing. */
export function resizeImage(src: Uint8Array, h: number, w: number, c: number, oh: number, ow: number): Uint8Array {
  if (h === oh && w === ow) return src
  const out = new Uint8Array(oh * ow * c)
  const sy = h / oh
  const sx = w / ow
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let k = 0; k < c; k++) {
        let v: number
        if (sy >= 1 && sx >= 1) {
          const y0 = Math.floor(y * sy)
          const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy))
          const x0 = Math.floor(x * sx)
          const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx))
          let s = 0
          for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += src[(yy * w + xx) * c + k]!
          v = s / ((y1 - y0) * (x1 - x0))
        } else {
          const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5))
          const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5))
          const y0 = Math.floor(fy)
          const x0 = Math.floor(fx)
          const y1 = Math.min(h - 1, y0 + 1)
          const x1 = Math.min(w - 1, x0 + 1)
          const dy = fy - y0
          const dx = fx - x0
          const at = (yy: number, xx: number) => src[(yy * w + xx) * c + k]!
          v = (at(y0, x0) * (1 - dx) + at(y0, x1) * dx) * (1 - dy) + (at(y1, x0) * (1 - dx) + at(y1, x1) * dx) * dy
        }
        out[(y * ow + x) * c + k] = Math.round(v)
      }
    }
  }
  return out
}

/** A small PNG data URL of HWC bytes (1 or 3 channels), for the dataset list. */
export function thumbnailDataUrl(pixels: Uint8Array, h: number, w: number, c: number): string {
  const png = new PNG({ width: w, height: h })
  for (let i = 0; i < h * w; i++) {
    png.data[4 * i] = pixels[i * c]!
    png.data[4 * i + 1] = pixels[i * c + (c === 3 ? 1 : 0)]!
    png.data[4 * i + 2] = pixels[i * c + (c === 3 ? 2 : 0)]!
    png.data[4 * i + 3] = 255
  }
  const bytes = PNG.sync.write(png, { colorType: c === 3 ? 2 : 0 })
  return `data:image/png;base64,${bytes.toString('base64')}`
}

const THUMB_SIDE = 64

/** Collects the first image of each of the first few classes. */
export class Thumbnails {
  readonly urls: string[] = []
  private readonly seen = new Set<number>()
  constructor(private readonly max = 8) {}
  offer(label: number, pixels: Uint8Array, h: number, w: number, c: number): void {
    if (this.urls.length >= this.max || this.seen.has(label)) return
    this.seen.add(label)
    // a thumbnail is small whatever the images are: the record carries it as a data URL
    const k = Math.min(1, THUMB_SIDE / Math.max(h, w))
    const [th, tw] = [Math.max(1, Math.round(h * k)), Math.max(1, Math.round(w * k))]
    this.urls.push(thumbnailDataUrl(k < 1 ? resizeImage(pixels, h, w, c, th, tw) : pixels, th, tw, c))
  }
}
