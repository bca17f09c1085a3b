/** The chain's last resort: tfjs's plain JavaScript backend, always there and far slower than wasm. */
import type { Backend } from './types'

export const cpuBackend: Backend = { name: 'cpu (plain JavaScript)', backend: 'cpu', load: async () => {} }
