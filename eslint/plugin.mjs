/**
 * `layers/boundaries`: an import is allowed when the importing file's layer may use the imported
 * file's layer (or it is the same layer), and a package only where its layer lists it
 * (eslint/layers.mjs). Files outside every layer (tests, configs) are not checked.
 */
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path'
import { ALIASES, LAYERS } from './layers.mjs'

const ROOT = dirname(dirname(new URL(import.meta.url).pathname))
const posix = (p) => p.split(sep).join('/')

export function layerOf(repoPath) {
  let best = null
  for (const l of LAYERS) if ((repoPath === l.folder || repoPath.startsWith(l.folder + '/')) && (!best || l.folder.length > best.folder.length)) best = l
  return best
}

/** the repo path an import names, or null for a package */
export function resolveImport(fromRepoPath, spec) {
  if (spec.startsWith('.')) return posix(normalize(join(dirname(fromRepoPath), spec)))
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (alias.endsWith('/') ? spec.startsWith(alias) : spec === alias) return alias.endsWith('/') ? target + spec.slice(alias.length) : target
  }
  return null
}

const packageName = (spec) =>
  spec.startsWith('node:') ? 'node:' + spec.slice(5).split('/')[0] : spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]

function packageAllowed(layer, name) {
  return layer.packages.some(
    (p) => p === '*' || p === name || (p.endsWith('/*') && name.startsWith(p.slice(0, -1))) || (p === 'node:*' && name.startsWith('node:')),
  )
}

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'url',
  'child_process',
  'worker_threads',
  'crypto',
  'zlib',
  'http',
  'https',
  'events',
  'util',
  'stream',
  'module',
  'readline',
  'net',
  'assert',
])

const boundaries = {
  meta: { type: 'problem', docs: { description: 'layer rules of docs/ARCHITECTURE.md' }, schema: [] },
  create(context) {
    const file = posix(relative(ROOT, context.filename))
    if (isAbsolute(file) || file.startsWith('..')) return {}
    const from = layerOf(file)
    if (!from) return {}
    const check = (node, spec) => {
      if (typeof spec !== 'string') return
      const target = resolveImport(file, spec)
      if (target === null) {
        const name = NODE_BUILTINS.has(packageName(spec)) ? `node:${packageName(spec)}` : packageName(spec)
        if (!packageAllowed(from, name))
          context.report({ node, message: `${from.layer} (${from.folder}) may not use the package '${name}' (docs/ARCHITECTURE.md, eslint/layers.mjs)` })
        return
      }
      const to = layerOf(target)
      if (!to || to === from) return
      if (!from.may.includes(to.layer))
        context.report({
          node,
          message: `${from.layer} may not import ${to.layer} (${target}); ${from.layer} may import ${from.may.join(', ') || 'nothing of ours'} (docs/ARCHITECTURE.md)`,
        })
    }
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
    }
  },
}

export default { rules: { boundaries } }
