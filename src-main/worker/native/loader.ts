/**
 * Finds and loads the native kernels (native/, built by scripts/build-native.mjs on install).
 * Optional by design: where the addon was not built (no oneDNN/OpenBLAS headers, no compiler) or
 * cannot load (a library missing at run time), the result says why in one line, for system.info,
 * and the wasm kernels stay.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ADDON_FUNCTIONS, type NativeAddon, type NativeInfo } from './addon'

/** Where node-gyp puts the build and the build script its reason for not building, under the repo. */
export const ADDON_PATH = join('native', 'build', 'Release', 'spline_native.node')
export const SKIP_REASON_PATH = join('native', 'build', 'skip-reason.txt')

export type NativeLoad = { ok: true; addon: NativeAddon; path: string; info: NativeInfo } | { ok: false; reason: string }

/**
 * Folders that may hold native/: the repo above these sources (tests, the bench), above the bundle
 * in out/ (app, CLI), and a packaged app's resources, where the addon must sit outside app.asar
 * (asarUnpack), since a .node file cannot be loaded from inside an archive.
 */
export function nativeRoots(): string[] {
  const here = dirname(fileURLToPath(import.meta.url))
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  return [...(packaged ? [join(packaged, 'app.asar.unpacked'), packaged] : []), ...[1, 2, 3, 4].map((up) => join(here, ...Array<string>(up).fill('..')))]
}

let cached: NativeLoad | null = null

/**
 * Loads the addon from the usual places, once per thread (each worker thread gets its own
 * Node-API instance); with `roots`, from there and without caching (tests).
 */
export function loadNative(roots?: string[]): NativeLoad {
  if (roots !== undefined) return load(roots)
  cached ??= load(nativeRoots())
  return cached
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim()
}

function load(roots: string[]): NativeLoad {
  const path = roots.map((r) => join(r, ADDON_PATH)).find((p) => existsSync(p))
  if (path === undefined) {
    const reasonFile = roots.map((r) => join(r, SKIP_REASON_PATH)).find((p) => existsSync(p))
    if (reasonFile !== undefined) return { ok: false, reason: readFileSync(reasonFile, 'utf8').split('\n')[0]!.trim() }
    return { ok: false, reason: 'native kernels not built (run `npm run build:native`)' }
  }
  let addon: NativeAddon
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon
  } catch (err) {
    return { ok: false, reason: `native kernels at ${path} do not load: ${firstLine(err)}` }
  }
  const missing = ADDON_FUNCTIONS.filter((f) => typeof addon[f] !== 'function')
  if (missing.length > 0)
    return { ok: false, reason: `native kernels at ${path} are out of date (no ${missing.join(', ')}): rebuild with \`npm run build:native\`` }
  try {
    return { ok: true, addon, path, info: addon.info() }
  } catch (err) {
    return { ok: false, reason: `native kernels at ${path} fail to start: ${firstLine(err)}` }
  }
}
