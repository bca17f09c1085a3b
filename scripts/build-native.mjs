#!/usr/bin/env node
/**
 * Builds the native CPU kernels (native/ → native/build/Release/spline_native.node) with node-gyp,
 * as the package's install step and as `npm run build:native`. Optional by design: where the
 * libraries, a compiler or node-gyp are missing, or the build fails, it writes the one-line reason
 * to native/build/skip-reason.txt (the app shows it; the wasm kernels stay) and exits 0, so that
 * an install never fails because of it.
 *
 * Linux: Debian's libdnnl-dev (oneDNN) and libopenblas-dev. macOS: oneDNN from Homebrew
 * (`brew install onednn libomp`) with Apple's Accelerate as the BLAS — written into binding.gyp,
 * not yet built on a Mac. SPLINE_LAB_SKIP_NATIVE=1 skips the build.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const nativeDir = join(root, 'native')
const buildDir = join(nativeDir, 'build')
const addon = join(buildDir, 'Release', 'spline_native.node')
const reasonFile = join(buildDir, 'skip-reason.txt')
const logFile = join(buildDir, 'build.log')

const found = (paths) => paths.find((p) => existsSync(p))

function multiarch() {
  return { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`
}

/** Why the libraries are not there, or null. */
function missingLibraries() {
  if (process.platform === 'linux') {
    const inc = ['/usr/include', '/usr/local/include']
    const lib = [`/usr/lib/${multiarch()}`, '/usr/lib', '/usr/local/lib', '/usr/lib64']
    if (!found(inc.flatMap((d) => [join(d, 'oneapi/dnnl/dnnl.hpp'), join(d, 'dnnl.hpp')]))) return 'oneDNN headers not found (install libdnnl-dev)'
    if (!found(lib.map((d) => join(d, 'libdnnl.so')))) return 'libdnnl.so not found (install libdnnl-dev)'
    const cblas = inc.flatMap((d) => [join(d, multiarch(), 'cblas.h'), join(d, 'cblas.h'), join(d, 'openblas/cblas.h')])
    if (!found(cblas) || !found(lib.map((d) => join(d, 'libopenblas.so')))) return 'OpenBLAS not found (install libopenblas-dev)'
    return null
  }
  if (process.platform === 'darwin') {
    if (!found(['/opt/homebrew/include', '/usr/local/include'].map((d) => join(d, 'oneapi/dnnl/dnnl.hpp'))))
      return 'oneDNN not found (brew install onednn libomp)'
    return null
  }
  return `no native kernels for ${process.platform} yet`
}

function runs(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.status === 0
}

/** Why the tools are not there, or null. */
function missingTools(nodeGyp) {
  if (nodeGyp === null) return 'node-gyp not installed (it is a devDependency: npm ci installs it)'
  const cxx = process.env.CXX || 'c++'
  if (!runs(cxx, ['--version'])) return `no C++ compiler (${cxx}) found`
  if (!runs('make', ['--version'])) return 'make not found'
  if (!runs(process.env.PYTHON || 'python3', ['--version'])) return 'python3 not found (node-gyp needs it)'
  return null
}

/**
 * node-gyp's --nodedir where it needs one. The addon uses Node-API only, so the headers of any
 * Node ≥ 20 do: npm's nodedir setting if there is one, else headers node-gyp has already fetched,
 * else a system Node's (Debian and NodeSource install them under /usr/include/node); only then
 * does node-gyp download them.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return []
  const cache = join(process.env.XDG_CACHE_HOME || join(os.homedir(), '.cache'), 'node-gyp', process.versions.node, 'include', 'node', 'node_api.h')
  if (existsSync(cache)) return []
  if (existsSync('/usr/include/node/node_api.h') && existsSync('/usr/include/node/common.gypi')) return ['--nodedir=/usr']
  return []
}

function lastError(text) {
  const lines = text.split('\n').map((l) => l.trim())
  const err = lines.find((l) => /(^|\s)error[:\s]/i.test(l) && !/^gyp ERR!/.test(l)) ?? lines.filter((l) => l.startsWith('gyp ERR!')).at(0)
  return (err ?? 'unknown error').slice(0, 300)
}

function skip(reason) {
  mkdirSync(buildDir, { recursive: true })
  writeFileSync(reasonFile, reason + '\n')
  console.log(`spline-lab: native kernels not built: ${reason} (the wasm kernels are used)`)
}

function main() {
  if (process.env.SPLINE_LAB_SKIP_NATIVE === '1') return skip('native build skipped (SPLINE_LAB_SKIP_NATIVE=1)')
  const missing = missingLibraries()
  if (missing) return skip(missing)
  let nodeGyp
  try {
    nodeGyp = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js')
  } catch {
    nodeGyp = null
  }
  const noTools = missingTools(nodeGyp)
  if (noTools) return skip(noTools)

  const t0 = Date.now()
  const jobs = String(Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)))
  // binding.gyp asks `node` for node-addon-api's include folder: the repo's own bins come first.
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}` }
  const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', '-j', jobs, ...nodedirArgs()], {
    cwd: nativeDir,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  })
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
  mkdirSync(buildDir, { recursive: true })
  writeFileSync(logFile, out)
  if (r.error) return skip(`node-gyp did not finish: ${r.error.message} (log: ${logFile})`)
  if (r.status !== 0 || !existsSync(addon)) return skip(`node-gyp failed: ${lastError(out)} (log: ${logFile})`)

  // Loading it proves the libraries resolve at run time too.
  const check = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(addon)}).info()))`], { encoding: 'utf8' })
  if (check.status !== 0) {
    const why = (check.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? 'unknown error'
    rmSync(addon, { force: true })
    return skip(`built, but it does not load: ${why.trim().slice(0, 300)}`)
  }
  rmSync(reasonFile, { force: true })
  const info = JSON.parse(check.stdout)
  console.log(
    `spline-lab: native kernels built in ${((Date.now() - t0) / 1000).toFixed(0)} s (oneDNN ${info.dnnl}, ${info.isa}; ${info.blas.split(' ').slice(0, 2).join(' ')})`,
  )
}

try {
  main()
} catch (err) {
  // Never fail the install.
  try {
    skip(`native build failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`)
  } catch {
    console.log('spline-lab: native kernels not built')
  }
}
