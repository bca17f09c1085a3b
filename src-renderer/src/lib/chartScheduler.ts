/**
 * Chart updates, one chart per animation frame and each chart at most every MIN_INTERVAL_MS.
 * A live run updates several charts on every flush; rendered in the same frame their costs add
 * up past the frame budget, spread over frames each stays inside it. Curves do not need 10 Hz
 * (the heatmap, drawn on its own canvas, shows the live pulse); a chart queued again before its
 * turn keeps only its newest update.
 */
const MIN_INTERVAL_MS = 250

interface Entry {
  run: () => void
  /** earliest time this chart may render again */
  notBefore: number
}

const queue = new Map<object, Entry>()
const lastRun = new WeakMap<object, number>()
let frame = 0
let timer: ReturnType<typeof setTimeout> | null = null

function wake(): void {
  if (frame || !queue.size) return
  const now = performance.now()
  const due = Math.min(...[...queue.values()].map((e) => e.notBefore))
  if (due <= now) {
    frame = requestAnimationFrame(tick)
  } else if (!timer) {
    timer = setTimeout(() => {
      timer = null
      wake()
    }, due - now)
  }
}

function tick(): void {
  frame = 0
  const now = performance.now()
  for (const [owner, entry] of queue) {
    if (entry.notBefore > now) continue
    queue.delete(owner)
    lastRun.set(owner, now)
    entry.run()
    break
  }
  wake()
}

export function scheduleChartUpdate(owner: object, run: () => void, minIntervalMs = MIN_INTERVAL_MS): void {
  const last = lastRun.get(owner)
  queue.set(owner, { run, notBefore: last === undefined ? 0 : last + minIntervalMs })
  wake()
}

export function cancelChartUpdate(owner: object): void {
  queue.delete(owner)
}
