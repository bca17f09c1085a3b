/**
 * Electron loads only Node-API addons unchanged (a V8-ABI addon needs a rebuild per Electron
 * ABI): every `.node` file in the installed dependency tree must register through Node-API.
 */
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { addonKind, elfExportedSymbols } from '../helpers/elfSymbols'
import { tempDir } from '../helpers/tmp'

function nodeFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) nodeFiles(p, out)
    else if (e.isFile() && e.name.endsWith('.node')) out.push(p)
  }
  return out
}

const hasCc = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('native addons', () => {
  it('every installed .node file is a Node-API addon', () => {
    const root = resolve(__dirname, '../../node_modules')
    const files = nodeFiles(root)
    expect(files.some((f) => f.includes('better-sqlite3'))).toBe(true)
    const bad = files.filter((f) => addonKind(f) !== 'node-api').map((f) => `${f.slice(root.length + 1)}: ${addonKind(f)}`)
    expect(bad).toEqual([])
  })

  it.skipIf(!hasCc)('tells a V8-ABI addon from a Node-API one by its exported symbols', () => {
    const { dir, cleanup } = tempDir('addon-')
    const build = (name: string, symbol: string) => {
      writeFileSync(join(dir, `${name}.c`), `void ${symbol}(void) {}\nstatic void hidden(void) {}\nvoid* keep = (void*)hidden;\n`)
      execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, `${name}.node`), join(dir, `${name}.c`)])
      return join(dir, `${name}.node`)
    }
    const v8 = build('v8', 'node_register_module_v115')
    const napi = build('napi', 'napi_register_module_v1')
    expect(elfExportedSymbols(v8)).toContain('node_register_module_v115')
    expect(elfExportedSymbols(v8)).not.toContain('hidden')
    expect(addonKind(v8)).toBe('v8-abi')
    expect(addonKind(napi)).toBe('node-api')
    cleanup()
  })
})
