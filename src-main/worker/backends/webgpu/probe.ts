/**
 * Asks Dawn for its adapter in a short-lived child process, so that auto mode loads dawn.node
 * into the trainer only when it will use it. Two reasons: a Vulkan driver that crashes while
 * adapters are listed takes a child down instead of the app, and Dawn writes warnings straight
 * to fd 2 while it lists lavapipe ("maxDynamicUniformBuffersPerPipelineLayout artificially
 * reduced …"), which would land in every CLI run on a machine that merely has lavapipe.
 * Costs ≈ 0.1 s once per trainer start (measured: Node start + 45 ms for Dawn).
 */
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import type { AdapterLike } from './adapter'

const PROBE_TIMEOUT_MS = 20_000

// Reads GPUAdapterInfo's getters into plain JSON; exits at once (the GPU object would keep
// the child alive).
const SCRIPT = `
const { create } = await import(process.argv[1]);
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = a && a.info;
const out = a && { info: { vendor: i.vendor, architecture: i.architecture, device: i.device,
  description: i.description, isFallbackAdapter: i.isFallbackAdapter === true || a.isFallbackAdapter === true } };
process.stdout.write('ADAPTER ' + JSON.stringify(out) + '\\n', () => process.exit(0));
`

/** The adapter Dawn offers (null: none), or throws with why the probe failed. */
export function probeAdapter(dawnEntry: string): Promise<AdapterLike | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, pathToFileURL(dawnEntry).href], {
      // In Electron process.execPath is the app binary; this makes it a plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS)
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`adapter probe did not start: ${e.message}`))
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.startsWith('ADAPTER '))
      if (line) {
        try {
          resolve(JSON.parse(line.slice('ADAPTER '.length)) as AdapterLike | null)
          return
        } catch {
          // falls through to the failure below
        }
      }
      const why = signal === 'SIGKILL' ? `timed out after ${PROBE_TIMEOUT_MS / 1000} s` : signal ? `crashed (${signal})` : `exited with code ${code}`
      const said = lastMeaningfulLine(err)
      reject(new Error(`adapter probe ${why}${said ? `: ${said}` : ''}`))
    })
  })
}

/** The child's last error line, without Dawn's limit warnings. */
function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Warning:') && !/^at /.test(l))
  return (lines.find((l) => /Error/.test(l)) ?? lines.at(-1) ?? '').slice(0, 200)
}
