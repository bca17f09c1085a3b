#!/usr/bin/env node
// Makes resources/fashion-mnist-mini/ (the built-in 'builtin:fashion-mini' dataset) from Debian's
// dataset-fashion-mnist package: the first 350 training and the first 100 test images of each
// class, in file order, written back as gzipped IDX files. Deterministic: rerunning gives the
// same bytes. Usage: node scripts/make-fashion-mini.mjs [source dir] [out dir]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync, gzipSync } from 'node:zlib'
import { join } from 'node:path'

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist'
const out = process.argv[3] ?? join(import.meta.dirname, '..', 'resources', 'fashion-mnist-mini')
const PER_CLASS = { train: 350, t10k: 100 }
const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']

function idx(magic, dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length)
  head.writeUInt32BE(magic, 0)
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i))
  // mtime 0 in the gzip header keeps the output byte-identical across runs
  return gzipSync(Buffer.concat([head, data]), { level: 9 })
}

mkdirSync(out, { recursive: true })
for (const [split, per] of Object.entries(PER_CLASS)) {
  const images = gunzipSync(readFileSync(join(src, `${split}-images-idx3-ubyte.gz`)))
  const labels = gunzipSync(readFileSync(join(src, `${split}-labels-idx1-ubyte.gz`)))
  const taken = new Array(10).fill(0)
  const keep = []
  for (let i = 0; i < labels.length - 8; i++) {
    const c = labels[8 + i]
    if (taken[c] < per) {
      taken[c]++
      keep.push(i)
    }
  }
  const x = Buffer.concat(keep.map((i) => images.subarray(16 + i * 784, 16 + (i + 1) * 784)))
  const y = Buffer.from(keep.map((i) => labels[8 + i]))
  writeFileSync(join(out, `${split}-images-idx3-ubyte.gz`), idx(0x803, [keep.length, 28, 28], x))
  writeFileSync(join(out, `${split}-labels-idx1-ubyte.gz`), idx(0x801, [keep.length], y))
  console.log(`${split}: ${keep.length} images`)
}
writeFileSync(join(out, 'classes.txt'), NAMES.join('\n') + '\n')
