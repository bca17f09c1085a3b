import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { watPlugin } from './scripts/watPlugin'

export default defineConfig({
  plugins: [watPlugin()],
  resolve: {
    alias: [
      { find: /^@contract$/, replacement: resolve(__dirname, 'src-main/contract/api.ts') },
      { find: /^@renderer\/(.*)$/, replacement: resolve(__dirname, 'src-renderer/src/$1') },
      { find: /^@common\/(.*)$/, replacement: resolve(__dirname, 'src-main/common/$1') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file in its own process: TensorFlow.js keeps one global engine per process.
    pool: 'forks',
    // Two cores: the e2e and integration tests spawn trainers of their own.
    maxWorkers: 2,
  },
})
