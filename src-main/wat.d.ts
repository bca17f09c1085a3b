/** WebAssembly text modules, assembled at build time by scripts/watPlugin.ts. */
declare module '*.wat' {
  /** the module importing an ordinary memory */
  export const plain: Uint8Array
  /** the same module importing a shared memory (threaded wasm backend) */
  export const shared: Uint8Array
}
