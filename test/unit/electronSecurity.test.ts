import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { secureWebPreferences } from '../../src-main/electron/windowOptions'
import { ApiError, IPC_PICK_FOLDER, IPC_PREFIX, METHOD_NAMES } from '../../src-main/contract/api'
import { refusalOf, rendererOrigin, type SenderFacts } from '../../src-main/electron/ipcSender'
import { answerIpc } from '../../src-main/electron/ipcAnswer'
import { invokeReply, requestIpc } from '../../src-main/electron/bridgeRequest'
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
    // One place listens (behind the sender check), bound for each contract method and the folder
    // dialog; no raw listeners.
    expect([...main.matchAll(/ipcMain\.(\w+)\(/g)].map((m) => m[1])).toEqual(['handle'])
    expect(main).toMatch(/ipcMain\.handle\(channel, \(event, params\) => answerIpc\(channel, senderFacts\(event\)/)
    expect(main).toMatch(/bind\(`\$\{IPC_PREFIX\}\$\{method\}`/)
    expect(main).toMatch(/bind\(IPC_PICK_FOLDER,/)
    expect(main).toMatch(/\[ipc\] refused/)
    expect(new Set([...preload.matchAll(/ipcRenderer\.(\w+)\(/g)].map((m) => m[1]))).toEqual(new Set(['invoke', 'on', 'removeListener']))
    expect(preload).toMatch(/`\$\{IPC_PREFIX\}\$\{method\}`/)
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

describe('the bridge, typed once and reached only through the API client', () => {
  it('the page gets its window.splineLab type from beside the preload, not a copy', () => {
    const web = JSON.parse(readFileSync(join(REPO, 'tsconfig.web.json'), 'utf8')) as { include: string[] }
    expect(web.include).toContain('src-main/electron/bridge.d.ts')
    expect(readFileSync(join(REPO, 'src-main/electron/bridge.d.ts'), 'utf8')).toMatch(/splineLab\?: SplineLabBridge/)
    expect(readFileSync(join(REPO, 'src-main/electron/preload.ts'), 'utf8')).toMatch(/const bridge: SplineLabBridge = /)
  })

  it('no component, store or view touches a window bridge: only src-renderer/src/api/ does', () => {
    const root = join(REPO, 'src-renderer/src')
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && /\.(ts|vue)$/.test(d.name))
      .map((d) => join(d.parentPath, d.name))
    expect(files.length).toBeGreaterThan(20)
    const touching = files.filter((f) => /\bsplineLab\b|webUtils|ipcRenderer/.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f))
    expect(touching).toEqual(['api/client.ts'])
  })
})

//#region IPC sender and replies (pure: the Electron binary is not installed for the tests)

const INDEX = join(REPO, 'out/renderer/index.html')
const packaged = rendererOrigin(undefined, INDEX)
const dev = rendererOrigin('http://localhost:5173/', INDEX)
const ourPage = `${pathToFileURL(INDEX).href}#/runs/abc`
const mainFrame = (url: string): SenderFacts => ({ frame: { url, isMainFrame: true }, fromAppWindow: true })

describe('IPC sender check (validatedIpcMain)', () => {
  it("accepts only our window's main frame showing our page: the packaged file, or the dev server in dev", () => {
    expect(refusalOf(mainFrame(ourPage), packaged)).toBeNull()
    expect(refusalOf(mainFrame(pathToFileURL(INDEX).href), packaged)).toBeNull()
    expect(refusalOf(mainFrame('http://localhost:5173/#/runs'), dev)).toBeNull()
    expect(rendererOrigin('', INDEX)).toEqual(packaged) // an empty dev URL is not a dev server
  })

  it('refuses other windows, subframes, vanished frames and every other page', () => {
    expect(refusalOf({ ...mainFrame(ourPage), fromAppWindow: false }, packaged)).toMatch(/not an app window/)
    expect(refusalOf({ frame: { url: ourPage, isMainFrame: false }, fromAppWindow: true }, packaged)).toMatch(/not the main frame/)
    expect(refusalOf({ frame: null, fromAppWindow: true }, packaged)).toMatch(/gone/)
    const foreign = [
      'https://evil.example/',
      pathToFileURL(join(REPO, 'out/renderer/other.html')).href,
      pathToFileURL(join(REPO, 'out/renderer/index.html.evil')).href,
      pathToFileURL('/tmp/index.html').href,
      'file://evil.example/' + INDEX,
      'http://localhost:5173/', // the dev server's page is not ours once packaged
      'about:blank',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
    ]
    for (const url of foreign) expect(refusalOf(mainFrame(url), packaged), url).toMatch(/is not ours/)
    for (const url of [
      'http://localhost:5174/',
      'https://localhost:5173/',
      'http://127.0.0.1:5173/',
      'http://localhost.evil.example:5173/',
      ourPage,
      'ws://localhost:5173/',
    ]) {
      expect(refusalOf(mainFrame(url), dev), url).toMatch(/is not ours/)
    }
  })

  it("answers a refused sender with 'forbidden' and one logged line, without doing the work", async () => {
    const lines: string[] = []
    const log = { warn: (line: string) => lines.push(line), error: () => lines.push('error') }
    let ran = 0
    const work = async () => ++ran
    const reply = await answerIpc(`${IPC_PREFIX}runs.list`, mainFrame('https://evil.example/x'), packaged, work, log)
    expect(reply).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/^refused: the sender's page "https:\/\/evil\.example\/x" is not ours$/) },
    })
    expect(ran).toBe(0)
    expect(lines).toEqual([`[ipc] refused 'spline:runs.list': the sender's page "https://evil.example/x" is not ours`])
    expect(await answerIpc(IPC_PICK_FOLDER, mainFrame(ourPage), packaged, work, log)).toEqual({ ok: true, result: 1 })
    expect(lines).toHaveLength(1)
  })

  it('never throws: service errors keep their code, anything else is internal and logged with its stack', async () => {
    const logged: unknown[] = []
    const log = { warn: () => logged.push('warn'), error: (_line: string, err: unknown) => logged.push(err) }
    const ok = mainFrame(ourPage)
    const missing = answerIpc('c', ok, packaged, () => Promise.reject(new ApiError('not-found', "no run 'x'")), log)
    await expect(missing).resolves.toEqual({ ok: false, error: { code: 'not-found', message: "no run 'x'" } })
    expect(logged).toEqual([])
    const bug = new TypeError('x is undefined')
    await expect(answerIpc('c', ok, packaged, () => Promise.reject(bug), log)).resolves.toEqual({
      ok: false,
      error: { code: 'internal', message: 'x is undefined' },
    })
    expect(logged).toEqual([bug])
  })
})

describe('preload request', () => {
  it('validates method and params against the contract before invoking, and turns a failed invoke into a reply', async () => {
    const sent: unknown[][] = []
    const invoke = async (...args: unknown[]) => (sent.push(args), { ok: true, result: 'ok' })
    expect(await requestIpc(invoke, 'runs.get', { runId: 'a' })).toEqual({ ok: true, result: 'ok' })
    expect(sent).toEqual([['spline:runs.get', { runId: 'a' }]])
    expect(await requestIpc(invoke, 'fs.rm', {})).toEqual({ ok: false, error: { code: 'bad-request', message: "unknown method 'fs.rm'" } })
    expect(await requestIpc(invoke, 'runs.get', { runId: 5 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/^runId: /) },
    })
    expect(sent).toHaveLength(1)
    const dead = async () => {
      throw new Error("Error invoking remote method 'spline:runs.list': Error: No handler registered for 'spline:runs.list'")
    }
    expect(await requestIpc(dead, 'runs.list', {})).toEqual({
      ok: false,
      error: { code: 'unavailable', message: "the app's main process did not answer 'spline:runs.list'" },
    })
    expect(await invokeReply(dead, IPC_PICK_FOLDER)).toMatchObject({ ok: false, error: { code: 'unavailable' } })
  })
})

//#endregion
