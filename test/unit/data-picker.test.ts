/** The dataset picker's words: labels, the resize offer parsed from an import error, progress. */
import { beforeAll, describe, expect, it } from 'vitest'
import type { ApiEvent, DatasetInfo } from '../../src-main/contract/api'

// A computed path, as in renderer-forms.test.ts: tsconfig.node.json does not include src-renderer/.
type Progress = Extract<ApiEvent, { type: 'dataset:progress' }>
let datasetLabel: (d: DatasetInfo) => string
let resizeOffer: (message: string) => [number, number] | null
let progressText: (e: Progress) => string
let progressFraction: (e: Progress) => number | null
let wasCancelled: (message: string) => boolean

beforeAll(async () => {
  const lib = '../../src-renderer/src/lib/datasetPicker'
  ;({ datasetLabel, resizeOffer, progressText, progressFraction, wasCancelled } = await import(/* @vite-ignore */ lib))
})

describe('dataset picker text', () => {
  it('labels a dataset with shape, classes and counts', () => {
    expect(datasetLabel({ id: 'ds:1', name: 'pets', description: '', inputShape: [32, 32, 3], numClasses: 3, trainCount: 12000, testCount: 3000 })).toBe(
      'pets · 32×32×3 · 3 classes · 12,000 / 3,000',
    )
    expect(datasetLabel({ id: 'b', name: 'saw', description: '', inputShape: [1], numClasses: 1, trainCount: 800, testCount: 200, task: 'regression' })).toBe(
      'saw · 1 · regression · 800 / 200',
    )
  })

  it('finds the resize the importer offers, and nothing in other errors', () => {
    expect(
      resizeOffer('/d: images have mixed sizes (height×width): 28×28 (950), 32×32 (50, e.g. a.png); import again with resize to 28×28 (CLI --resize 28x28)'),
    ).toEqual([28, 28])
    expect(resizeOffer('/d: only one class')).toBeNull()
  })

  it('says how far an import is', () => {
    const e = (phase: 'scanning' | 'reading' | 'writing' | 'done', done: number, total: number | null) => ({
      type: 'dataset:progress' as const,
      path: '/d',
      phase,
      done,
      total,
    })
    expect(progressText(e('reading', 1200, 5000))).toBe('Reading 1,200 / 5,000 examples')
    expect(progressText(e('reading', 70, null))).toBe('Reading 70 examples')
    expect(progressFraction(e('reading', 1200, 5000))).toBeCloseTo(0.24)
    expect(progressFraction(e('scanning', 0, null))).toBeNull()
    expect(progressText(e('done', 70000, 70000))).toBe('Done: 70,000 examples')
  })

  it('tells our own Cancel from an import that failed', () => {
    expect(wasCancelled('/data/mnist: the import was cancelled')).toBe(true)
    expect(wasCancelled('/data/mnist: not a dataset: the folder holds no files (hidden files are ignored)')).toBe(false)
    expect(wasCancelled('/data/the import was cancelled/x.png: corrupt PNG')).toBe(false)
  })
})
