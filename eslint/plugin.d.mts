import type { Layer } from './layers.mjs'
export function layerOf(repoPath: string): Layer | null
export function resolveImport(fromRepoPath: string, spec: string): string | null
declare const plugin: { rules: Record<string, unknown> }
export default plugin
