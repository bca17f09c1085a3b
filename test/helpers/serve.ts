import { spawn, type ChildProcess } from 'node:child_process'
import { CLI } from './tmp'

/** Starts `spline-lab serve --port 0` on a db and resolves with its URL. */
export function startServe(dbPath: string, home: string): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', dbPath], {
    env: { ...process.env, SPLINE_LAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += d))
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000)
    proc.stdout!.on('data', (d) => {
      out += d
      const m = /running at (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ url: m[1]!, proc, stop })
      }
    })
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]
