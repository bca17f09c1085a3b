export interface Layer {
  layer: string
  folder: string
  may: string[]
  packages: string[]
  holds: string
}
export const LAYERS: Layer[]
export const ALIASES: Record<string, string>
export function layersTable(): string
