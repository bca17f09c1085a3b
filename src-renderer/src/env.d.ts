/// <reference types="vite/client" />

// Kept a script (no top-level import) so the wildcard module and the global below stay ambient.

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

/** What our preload exposes through contextBridge in the Electron build. */
interface SplineLabBridge {
  call(method: string, params: unknown): Promise<unknown>
  onEvent(listener: (event: import('@contract').ApiEvent) => void): () => void
  transport: 'electron'
  /** the file-system path of a dropped File (Electron's webUtils.getPathForFile); '' if none */
  pathForFile?(file: File): string
}

interface Window {
  splineLab?: SplineLabBridge
}
