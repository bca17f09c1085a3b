/// <reference types="vite/client" />

// Kept a script (no top-level import) so the wildcard module stays ambient. The Electron bridge's
// global is declared beside the preload that exposes it (src-main/electron/bridge.d.ts).

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
