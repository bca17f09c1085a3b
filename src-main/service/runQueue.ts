/**
 * The FIFO of queued runs. Removing any run is O(1) and so is asking a run's place in line,
 * amortized: places are ranks kept in a map, shifted by a counter when the head leaves, and
 * rebuilt (O(n), once) only after a run left from the middle. Cancelling a sweep of n queued
 * runs therefore costs O(n), not O(n²) (each removal used to scan and re-rank the whole line).
 */
export class RunQueue<T extends { runId: string }> {
  private readonly items = new Map<string, T>()
  private rank: Map<string, number> | null = new Map()
  private nextRank = 0
  private shifted = 0

  get size(): number {
    return this.items.size
  }

  has(runId: string): boolean {
    return this.items.has(runId)
  }

  push(item: T): void {
    this.items.set(item.runId, item)
    this.rank?.set(item.runId, this.nextRank++)
  }

  shift(): T | undefined {
    const first = this.items.values().next()
    if (first.done) return undefined
    this.items.delete(first.value.runId)
    if (this.rank) {
      this.rank.delete(first.value.runId)
      this.shifted++
    }
    return first.value
  }

  remove(runId: string): T | undefined {
    const item = this.items.get(runId)
    if (!item) return undefined
    this.items.delete(runId)
    this.rank = null
    return item
  }

  /** 1-based place in line, or undefined when not queued */
  position(runId: string): number | undefined {
    if (!this.items.has(runId)) return undefined
    if (!this.rank) {
      this.rank = new Map()
      let i = 0
      for (const id of this.items.keys()) this.rank.set(id, i++)
      this.nextRank = i
      this.shifted = 0
    }
    return this.rank.get(runId)! - this.shifted + 1
  }

  ids(): string[] {
    return [...this.items.keys()]
  }

  clear(): void {
    this.items.clear()
    this.rank = new Map()
    this.nextRank = 0
    this.shifted = 0
  }
}
