#!/usr/bin/env node
// Runs the built CLI (out/main/cli.js); builds it first on a fresh checkout.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// Node 24 LTS is the runtime (what Electron embeds; better-sqlite3 13 needs Node-API 10).
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `spline-lab: needs Node.js 24 or newer, this is ${process.version}; run it through npm (npx spline-lab, npm run serve), which uses the node@24 devDependency, or install Node 24 LTS from https://nodejs.org\n`,
  )
  process.exit(2)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'out', 'main', 'cli.js')
if (!existsSync(cli)) {
  process.stderr.write('spline-lab: first start, building (electron-vite build)…\n')
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  })
  if (r.status !== 0) process.exit(1)
}
await import(pathToFileURL(cli).href)
