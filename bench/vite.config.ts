/**
 * Builds the bench (bench/run.ts and the src-main code it imports) into out/bench/run.js for
 * plain Node, dependencies left external: `npm run bench` needs no TS runner and does not
 * depend on the app's Electron build. `npm run build` builds it too, for `spline-lab bench`.
 */
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { watPlugin } from '../scripts/watPlugin'

export default defineConfig({
  logLevel: 'warn',
  // our wasm kernels import WebAssembly text modules, assembled at build time as in the app build
  plugins: [watPlugin()],
  build: {
    ssr: true,
    outDir: resolve(import.meta.dirname, '../out/bench'),
    emptyOutDir: true,
    target: 'node24',
    minify: false,
    sourcemap: false,
    // The data-parallel row's replica threads run trainReplica.js, the dense products' helper
    // threads kernelHelper.js, both found next to run.js.
    rolldownOptions: {
      input: {
        run: resolve(import.meta.dirname, 'run.ts'),
        native: resolve(import.meta.dirname, 'native.ts'),
        trainReplica: resolve(import.meta.dirname, '../src-main/worker/parallel/replica.ts'),
        kernelHelper: resolve(import.meta.dirname, '../src-main/worker/threads/kernelHelper.ts'),
      },
      output: { entryFileNames: '[name].js' },
    },
  },
})
