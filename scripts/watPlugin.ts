/**
 * Vite plugin: `import { plain, shared } from './x.wat'` assembles a WebAssembly text module at
 * build time (wabt, a dev dependency only) into two binaries: one importing an ordinary memory,
 * one importing a shared memory (tfjs's threaded wasm build runs on a SharedArrayBuffer). The
 * source of truth stays the readable .wat; no binary is committed.
 */
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'vite'

const PLAIN_IMPORT = '(import "env" "memory" (memory 1))'
const SHARED_IMPORT = '(import "env" "memory" (memory 1 65536 shared))'

type Wabt = {
  parseWat(
    file: string,
    text: string,
    features: Record<string, boolean>,
  ): {
    toBinary(options: object): { buffer: Uint8Array }
    destroy(): void
  }
}

let wabt: Promise<Wabt> | null = null

async function assemble(file: string, text: string): Promise<string> {
  wabt ??= import('wabt').then((m) => (m.default as unknown as () => Promise<Wabt>)())
  const mod = (await wabt).parseWat(file, text, { simd: true, threads: true })
  try {
    return Buffer.from(mod.toBinary({}).buffer).toString('base64')
  } finally {
    mod.destroy()
  }
}

export function watPlugin(): Plugin {
  return {
    name: 'spline-lab-wat',
    enforce: 'pre',
    async load(id) {
      const file = id.split('?')[0]!
      if (!file.endsWith('.wat')) return null
      const text = await readFile(file, 'utf8')
      if (!text.includes(PLAIN_IMPORT)) this.error(`${file}: a .wat module must import its memory as ${PLAIN_IMPORT}`)
      const plain = await assemble(file, text)
      const shared = await assemble(file, text.replace(PLAIN_IMPORT, SHARED_IMPORT))
      return [
        'const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))',
        `export const plain = bytes(${JSON.stringify(plain)})`,
        `export const shared = bytes(${JSON.stringify(shared)})`,
      ].join('\n')
    },
  }
}
