import { beforeAll, describe, expect, it } from 'vitest'

// Computed paths: tsconfig.node.json (which typechecks test/) does not include src-renderer/, and a
// static import would fail `tsc -p tsconfig.node.json` with TS6307. Shapes are restated instead.
type Form = Record<string, string>
type Validation = { ok: true; config: Record<string, unknown> } | { ok: false; errors: Record<string, string>; general: string[] }
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

describe('new-run form, every field and sweep mode', () => {
  interface SweepMod {
    validateSweep(
      form: Form,
      sweep: { methods: string[]; ratios: string; seeds: string; criteria: string[]; Ps: string },
    ): { ok: true; count: number; request: Record<string, unknown> } | { ok: false; errors: Record<string, string> }
    sweepSize(methods: string[], ratios: number, seeds: number, criteria: string[], Ps: number, baseCriterion: string): number
  }
  let sweep: SweepMod
  beforeAll(async () => {
    const path = '../../src-renderer/src/lib/sweepForm'
    sweep = (await import(/* @vite-ignore */ path)) as SweepMod
  })

  it('omits blank optional fields so per-method defaults apply, and checks the rest', () => {
    const ok = validateForm({ ...defaultForm(), method: 'prune-after', criterion: 'l1', ratio: '0.7', finetuneEpochs: '', trainLimit: '200', bnEbQueue: '4' })
    expect(ok.ok).toBe(true)
    if (ok.ok) {
      expect(ok.config).toMatchObject({ method: 'prune-after', criterion: 'l1', ratio: 0.7, trainLimit: 200, bnEb: { queue: 4, threshold: 0.1 } })
      expect(ok.config).not.toHaveProperty('finetuneEpochs')
    }
    const bad = validateForm({ ...defaultForm(), ratio: '0.99', P: '2', bnEbThreshold: '0', width: '0' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['P', 'bnEbThreshold', 'ratio', 'width'])
  })

  it('validates a sweep with the contract and counts its runs like the service expands it', () => {
    const v = sweep.validateSweep(
      { ...defaultForm() },
      { methods: ['dense', 'spline-eb'], ratios: '0.3, 0.6', seeds: 2 as unknown as string, criteria: [], Ps: '' },
    )
    expect(v.ok).toBe(true)
    if (v.ok) {
      expect(v.count).toBe(6)
      expect(v.request).toMatchObject({ methods: ['dense', 'spline-eb'], ratios: [0.3, 0.6], seeds: 2 })
    }
    expect(sweep.sweepSize(['spline-eb', 'eb-bn'], 3, 1, [], 3, '')).toBe(3 * 3 + 3)
    const bad = sweep.validateSweep(defaultForm(), { methods: [], ratios: '0.3, 2', seeds: '0', criteria: [], Ps: '' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['methods', 'ratios', 'seeds'])
  })
})
