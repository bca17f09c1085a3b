import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import { watPlugin } from './scripts/watPlugin'

const contract = resolve(__dirname, 'src-main/contract/api.ts')

export default defineConfig({
  // One Node bundle set: the Electron main process, the trainer worker and the headless entry
  // (CLI + browser-mode server) share chunks; dependencies stay external (native addons, wasm).
  main: {
    resolve: { alias: { '@contract': contract } },
    plugins: [watPlugin()],
    build: {
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          trainer: resolve(__dirname, 'src-main/worker/trainerWorker.ts'),
          trainReplica: resolve(__dirname, 'src-main/worker/parallel/replica.ts'),
          kernelHelper: resolve(__dirname, 'src-main/worker/threads/kernelHelper.ts'),
          importer: resolve(__dirname, 'src-main/data/importWorker.ts'),
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
        },
      },
    },
  },
  // The preload must be one self-contained CommonJS file to run in a sandboxed renderer.
  preload: {
    resolve: { alias: { '@contract': contract } },
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    // @common: the pure analysis / chart-option modules the reports share with the app
    resolve: { alias: { '@contract': contract, '@renderer': resolve(__dirname, 'src-renderer/src'), '@common': resolve(__dirname, 'src-main/common') } },
    plugins: [vue()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      chunkSizeWarningLimit: 2000,
      rolldownOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
})
