/**
 * Dataset fixtures made on the spot (never downloaded): PNG/JPEG images, IDX, CIFAR and .npy
 * files, CSV tables, and a snapshot of a folder to prove an import wrote nothing into it.
 */
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { PNG } from 'pngjs'
import jpeg from 'jpeg-js'

/** A deterministic image whose pixels depend on the seed (so classes differ). */
export function pixels(h: number, w: number, c: 1 | 3, seed: number): Uint8Array {
  const out = new Uint8Array(h * w * c)
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + seed * 97 + ((i * seed) % 13)) & 255
  return out
}

export function pngBytes(h: number, w: number, c: 1 | 3, seed = 1): Buffer {
  const png = new PNG({ width: w, height: h })
  const px = pixels(h, w, c, seed)
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) png.data[4 * i + k] = px[i * c + (c === 3 ? k : 0)]!
    png.data[4 * i + 3] = 255
  }
  return PNG.sync.write(png, { colorType: c === 3 ? 2 : 0 })
}

export function jpegBytes(h: number, w: number, seed = 1): Buffer {
  const px = pixels(h, w, 3, seed)
  const data = Buffer.alloc(h * w * 4)
  for (let i = 0; i < h * w; i++) {
    data[4 * i] = px[3 * i]!
    data[4 * i + 1] = px[3 * i + 1]!
    data[4 * i + 2] = px[3 * i + 2]!
    data[4 * i + 3] = 255
  }
  return jpeg.encode({ data, width: w, height: h }, 90).data
}

export function write(root: string, rel: string, data: string | Uint8Array): string {
  const file = join(root, rel)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, data)
  return file
}

/** classes × n PNGs in <class>/ or train|test/<class>/ */
export function imageFolder(root: string, opts: { classes?: string[]; perClass?: number; split?: boolean; size?: number; channels?: 1 | 3 } = {}): void {
  const { classes = ['cat', 'dog', 'eel'], perClass = 6, split = false, size = 8, channels = 1 } = opts
  classes.forEach((cls, ci) => {
    for (let i = 0; i < perClass; i++) {
      const sub = split ? `${i < perClass - 2 ? 'train' : 'test'}/${cls}` : cls
      write(root, `${sub}/img${i}.png`, pngBytes(size, size, channels, ci * 100 + i))
    }
  })
}

export function idxBytes(type: 'images' | 'labels', data: Uint8Array, count: number, h = 4, w = 4): Buffer {
  const dims = type === 'images' ? [count, h, w] : [count]
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt32BE(type === 'images' ? 0x803 : 0x801, 0)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([head, data])
}

/** train/t10k IDX pairs of n 4×4 images with labels i % classes */
export function idxFolder(root: string, opts: { train?: number; test?: number; classes?: number; gzip?: boolean } = {}): void {
  const { train = 30, test = 10, classes = 3, gzip = false } = opts
  for (const [split, n] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const x = new Uint8Array(n * 16).map((_, i) => (i * 7) & 255)
    const y = new Uint8Array(n).map((_, i) => i % classes)
    const z = (b: Buffer) => (gzip ? gzipSync(b) : b)
    const ext = gzip ? '.gz' : ''
    write(root, `${split}-images-idx3-ubyte${ext}`, z(idxBytes('images', x, n)))
    write(root, `${split}-labels-idx1-ubyte${ext}`, z(idxBytes('labels', y, n)))
  }
}

/** CIFAR-10 (1 label byte) or CIFAR-100 (coarse, fine) records */
export function cifarBytes(n: number, kind: 10 | 100, seed = 0): Buffer {
  const rec = kind === 10 ? 3073 : 3074
  const out = Buffer.alloc(n * rec)
  for (let r = 0; r < n; r++) {
    if (kind === 10) out[r * rec] = (r + seed) % 10
    else {
      out[r * rec] = (r + seed) % 20
      out[r * rec + 1] = (r + seed) % 100
    }
    for (let p = 0; p < 3072; p++) out[r * rec + (kind === 10 ? 1 : 2) + p] = (p + Math.floor(p / 1024) * 50 + r * 3 + seed) & 255
  }
  return out
}

export function npyBytes(descr: string, shape: number[], data: Uint8Array | Float32Array | BigInt64Array | Int32Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const total = 10 + header.length + 1
  header = header.padEnd(header.length + ((64 - (total % 64)) % 64), ' ') + '\n'
  const head = Buffer.alloc(10)
  head.write('\x93NUMPY', 0, 'latin1')
  head[6] = 1
  head[7] = 0
  head.writeUInt16LE(header.length, 8)
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)])
}

/** Every path under a folder with size and mtime: equal before and after means nothing was written. */
export function snapshot(root: string): string {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name)
      let st
      try {
        st = lstatSync(p)
      } catch {
        out.push(`${p} (unstatable)`)
        continue
      }
      out.push(`${p} ${st.size} ${st.mtimeMs}`)
      if (st.isDirectory()) walk(p)
    }
  }
  walk(root)
  return out.join('\n')
}
