/**
 * The layer rules of docs/ARCHITECTURE.md, as the lint checks them (`eslint/plugin.mjs`): which
 * folders a folder may import, and which packages it may use. The folder of each end of an import
 * decides (the idea of VS Code's code-layering rule). docs/ARCHITECTURE.md prints this table;
 * test/unit/architecture.test.ts keeps the two equal.
 */

/** folder → the layer of every file below it (the longest matching folder wins) */
export const LAYERS = [
  {
    layer: 'contract',
    folder: 'src-main/contract',
    may: [],
    packages: ['zod'],
    holds: 'the API: methods, schemas, run-config fields, results, events, wire envelopes, shared types',
  },
  {
    layer: 'common',
    folder: 'src-main/common',
    may: ['contract'],
    packages: ['echarts'],
    holds: 'pure code main and renderer both run: aggregation, formats, architecture diff, chart options',
  },
  {
    layer: 'core',
    folder: 'src-main/core',
    may: ['contract', 'common'],
    packages: ['@tensorflow/tfjs'],
    holds: 'pure TensorFlow.js math: models, network, training engine, spline codes, detectors, criteria, run plans',
  },
  { layer: 'settings', folder: 'src-main/settings', may: ['contract'], packages: ['node:*'], holds: 'every environment variable, read in one place' },
  {
    layer: 'data',
    folder: 'src-main/data',
    may: ['contract', 'common', 'core', 'settings'],
    packages: ['node:*', 'pngjs', 'jpeg-js'],
    holds: 'built-in datasets, dataset import and cache',
  },
  {
    layer: 'store',
    folder: 'src-main/store',
    may: ['contract', 'common', 'settings'],
    packages: ['node:*', 'better-sqlite3'],
    holds: 'SQLite: migrations and the run store',
  },
  {
    layer: 'worker',
    folder: 'src-main/worker',
    may: ['contract', 'common', 'core', 'data', 'settings'],
    packages: ['node:*', '@tensorflow/*', 'webgpu'],
    holds: 'the trainer thread: backends, kernels, thread runtime, plan executor, checkpoints',
  },
  {
    layer: 'report',
    folder: 'src-main/report',
    may: ['contract', 'common', 'core', 'settings'],
    packages: ['node:*', '@tensorflow/tfjs', 'echarts', 'playwright-core'],
    holds: 'HTML/PDF/CSV/JSON/model exports',
  },
  {
    layer: 'service',
    folder: 'src-main/service',
    may: ['contract', 'common', 'core', 'settings', 'data', 'store', 'worker', 'report'],
    packages: ['node:*', 'better-sqlite3'],
    holds: 'the contract implemented: queue, events, the one database writer',
  },
  {
    layer: 'server',
    folder: 'src-main/server',
    may: ['contract', 'common', 'settings', 'service'],
    packages: ['node:*', 'ws'],
    holds: 'browser mode: HTTP + WebSocket transport',
  },
  {
    layer: 'cli',
    folder: 'src-main/cli',
    may: ['contract', 'common', 'settings', 'service', 'server'],
    packages: ['node:*'],
    holds: 'the command line transport',
  },
  {
    layer: 'electron',
    folder: 'src-main/electron',
    may: ['contract', 'common', 'settings', 'service'],
    packages: ['node:*', 'electron'],
    holds: 'the desktop transport: main process and preload',
  },
  {
    layer: 'renderer',
    folder: 'src-renderer',
    may: ['contract', 'common'],
    packages: ['vue', 'pinia', 'echarts'],
    holds: 'the Vue UI, talking only to its typed API client',
  },
  {
    layer: 'bench',
    folder: 'bench',
    may: ['contract', 'common', 'core', 'settings', 'data', 'store', 'worker', 'report', 'service', 'scripts'],
    packages: ['*'],
    holds: 'benchmarks: a consumer of the product, never imported by it',
  },
  { layer: 'scripts', folder: 'scripts', may: [], packages: ['*'], holds: 'build and maintenance scripts' },
]

/** import aliases of the build configs (electron.vite.config.ts, vitest.config.ts, tsconfig) */
export const ALIASES = {
  '@contract': 'src-main/contract/api.ts',
  '@contract/': 'src-main/contract/',
  '@common/': 'src-main/common/',
  '@renderer/': 'src-renderer/src/',
}

/** The table docs/ARCHITECTURE.md prints between its `layers` markers. */
export function layersTable() {
  const rows = LAYERS.map((l) => `| \`${l.folder}/\` | ${l.layer} | ${l.holds} | ${l.may.join(', ') || '–'} | ${l.packages.map((p) => `\`${p}\``).join(' ')} |`)
  return ['| folder | layer | holds | may import | packages |', '|---|---|---|---|---|', ...rows].join('\n')
}
