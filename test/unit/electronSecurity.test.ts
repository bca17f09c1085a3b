import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { secureWebPreferences } from '../../src-main/electron/windowOptions'
import { METHOD_NAMES } from '../../src-main/contract/api'
import { REPO } from '../helpers/tmp'

describe('Electron security defaults', () => {
  it('isolates and sandboxes the renderer with no Node integration', () => {
    const prefs = secureWebPreferences('/x/preload.cjs')
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    })
  })

  it('the built main bundle blocks navigation and new windows and binds only contract channels', () => {
    const main = join(REPO, 'out/main/index.js')
    if (!existsSync(main)) throw new Error('run npm run build first')
    const src = readFileSync(main, 'utf8')
    expect(src).toMatch(/setWindowOpenHandler/)
    expect(src).toMatch(/action: "deny"|action: 'deny'/)
    expect(src).toMatch(/will-navigate/)
    expect(src).not.toMatch(/enableRemoteModule|@electron\/remote/)
    expect(src).toMatch(/setPermissionRequestHandler/)
    expect(METHOD_NAMES.length).toBeGreaterThan(0)
  })

  it('the preload is one CommonJS file that requires nothing but electron', () => {
    const preload = readFileSync(join(REPO, 'out/preload/index.cjs'), 'utf8')
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(new Set(requires)).toEqual(new Set(['electron']))
    expect(preload).toMatch(/exposeInMainWorld\(["']splineLab["']/)
  })

  it('main listens on contract channels only, and the preload can only invoke them and hear events', () => {
    const main = readFileSync(join(REPO, 'out/main/index.js'), 'utf8')
    const preload = readFileSync(join(REPO, 'out/preload/index.cjs'), 'utf8')
    // One handler per contract method, bound in a loop over METHOD_NAMES; no raw listeners.
    expect([...main.matchAll(/ipcMain\.(\w+)\(/g)].map((m) => m[1])).toEqual(['handle'])
    expect(main).toMatch(/ipcMain\.handle\(`\$\{IPC_PREFIX\}\$\{method\}`/)
    expect(new Set([...preload.matchAll(/ipcRenderer\.(\w+)\(/g)].map((m) => m[1]))).toEqual(new Set(['invoke', 'on', 'removeListener']))
    expect(preload).toMatch(/ipcRenderer\.invoke\(`\$\{IPC_PREFIX\}\$\{method\}`/)
    expect(preload).toMatch(/unknown method/) // the contract's parseRequest is bundled and runs before invoke
    expect(METHOD_NAMES).toContain('runs.resume')
    expect(METHOD_NAMES.every((m) => /^[a-z]+\.[a-z]+$/.test(m))).toBe(true)
  })

  it('the page has a Content-Security-Policy without unsafe-eval', () => {
    const html = readFileSync(join(REPO, 'out/renderer/index.html'), 'utf8')
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(csp).toBeDefined()
    expect(csp).toMatch(/default-src 'self'/)
    expect(csp).not.toMatch(/unsafe-eval/)
    const directives = Object.fromEntries(
      csp!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    )
    // Scripts only from the app itself: no inline script, no remote origin, no wildcard anywhere.
    expect(directives['script-src']).toEqual(["'self'"])
    expect(csp).not.toMatch(/(^|\s)\*(\s|;|$)|https?:|data:\s*;?\s*script/)
    expect(directives['connect-src']!.every((s: string) => s === "'self'" || /^ws:\/\/(127\.0\.0\.1|localhost):\*$/.test(s))).toBe(true)
  })
})
