import { beforeAll, describe, expect, it } from 'vitest'

// Computed paths: tsconfig.node.json (which typechecks test/) does not include src-renderer/, and a
// static import would fail `tsc -p tsconfig.node.json` with TS6307. Shapes are restated instead.
type Form = Record<string, string>
type Validation =
  | { ok: true; config: Record<string, unknown> }
  | { ok: false; errors: Record<string, string>; general: string[] }
let defaultForm: () => Form
let validateForm: (form: Form) => Validation
let serverFieldErrors: (message: string) => Record<string, string>
let symmetricCells: (rows: number[][]) => { cells: [number, number, number][]; max: number }
let rowEpochs: (rowCount: number, lastEpoch: number | undefined) => number[]

beforeAll(async () => {
  const form = '../../src-renderer/src/lib/runForm'
  const matrix = '../../src-renderer/src/lib/distanceMatrix'
  ;({ defaultForm, validateForm, serverFieldErrors } = await import(/* @vite-ignore */ form))
  ;({ symmetricCells, rowEpochs } = await import(/* @vite-ignore */ matrix))
})

describe('new-run form', () => {
  it('accepts the defaults and turns "20,20" into an array', () => {
    const result = validateForm({ ...defaultForm(), hidden: '20, 20' })
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.config.hidden).toEqual([20, 20])
      expect(result.config.dataset).toBe('builtin:xshape')
      expect(result.config).not.toHaveProperty('name')
    }
  })

  it('puts schema messages on the offending fields, nested ones included', () => {
    const result = validateForm({ ...defaultForm(), epochs: '0', hidden: '20,x', ebEpsilon: '2', lr: '' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(['ebEpsilon', 'epochs', 'hidden', 'lr'])
  })

  it('routes the server’s "config.field: message" errors to fields', () => {
    expect(serverFieldErrors('config.epochs: too big; config.eb.window: too small; other')).toEqual({
      epochs: 'too big',
      ebWindow: 'too small',
    })
  })
})

describe('distance matrix', () => {
  it('mirrors the lower triangle into a full symmetric matrix', () => {
    const { cells, max } = symmetricCells([[0], [0.2, 0], [0.5, 0.3, 0]])
    const at = (x: number, y: number) => cells.find(([cx, cy]) => cx === x && cy === y)?.[2]
    expect(cells).toHaveLength(9)
    expect(at(0, 2)).toBe(0.5)
    expect(at(2, 0)).toBe(0.5)
    expect(at(1, 2)).toBe(0.3)
    expect(at(2, 1)).toBe(0.3)
    expect(max).toBe(0.5)
  })

  it('labels rows so the last one is the last metrics epoch', () => {
    expect(rowEpochs(3, 2)).toEqual([0, 1, 2])
    expect(rowEpochs(3, 3)).toEqual([1, 2, 3])
    expect(rowEpochs(2, undefined)).toEqual([0, 1])
  })
})
