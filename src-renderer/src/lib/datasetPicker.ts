/** Words and numbers of the dataset picker, kept out of the component so they can be tested. */
import type { ApiEvent, DatasetInfo } from '@contract'

const n = (x: number) => x.toLocaleString('en-US')

/** "Fashion-MNIST mini · 28×28×1 · 10 classes · 3,500 / 1,000" */
export function datasetLabel(d: DatasetInfo): string {
  const kind = d.task === 'regression' ? 'regression' : `${d.numClasses} classes`
  return `${d.name} · ${d.inputShape.join('×')} · ${kind} · ${n(d.trainCount)} / ${n(d.testCount)}`
}

/** The size an import error offers to resize to ("… import again with resize to 28×28 …"). */
export function resizeOffer(message: string): [number, number] | null {
  const m = /resize to (\d+)×(\d+)/.exec(message)
  return m ? [Number(m[1]), Number(m[2])] : null
}

/** Whether an import error is the answer to our own Cancel (datasets.cancel), not a problem. */
export function wasCancelled(message: string): boolean {
  return /: the import was cancelled$/.test(message)
}

type Progress = Extract<ApiEvent, { type: 'dataset:progress' }>

export function progressText(e: Progress): string {
  if (e.phase === 'scanning') return 'Looking at the folder…'
  if (e.phase === 'writing') return `Writing the cache (${n(e.done)} examples)…`
  if (e.phase === 'done') return `Done: ${n(e.done)} examples`
  return e.total ? `Reading ${n(e.done)} / ${n(e.total)} examples` : `Reading ${n(e.done)} examples`
}

export function progressFraction(e: Progress): number | null {
  if (e.phase === 'done') return 1
  return e.phase === 'reading' && e.total ? Math.min(1, e.done / e.total) : null
}
