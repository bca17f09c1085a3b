/**
 * Builds the bench (bench/run.ts and the src-main code it imports) into out/bench/run.js for
 * plain Node, dependencies left external: `npm run bench` needs no TS runner and does not
 * depend on the app's Electron build.
 */
import { resolve } from 'node:path'
import { defineConfig } from 'vite'

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: resolve(import.meta.dirname, 'run.ts'),
    outDir: resolve(import.meta.dirname, '../out/bench'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rolldownOptions: { output: { entryFileNames: '[name].js' } },
  },
})
