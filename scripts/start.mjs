#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, else browser mode (same UI).
import { existsSync, readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Read the binary's location ourselves: require('electron') would try to download it.
const pkg = join(root, 'node_modules', 'electron')
const pathFile = join(pkg, 'path.txt')
const electron = process.env.ELECTRON_OVERRIDE_DIST_PATH || (existsSync(pathFile) ? join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim()) : null)
const run = (args) => spawn(process.execPath, args, { cwd: root, stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0))
if (typeof electron === 'string' && existsSync(electron)) {
  run([join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview'])
} else {
  process.stderr.write("Electron's binary is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD); starting browser mode instead.\n")
  run([join(root, 'bin', 'spline-lab.mjs'), 'serve', '--open'])
}
