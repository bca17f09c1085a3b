/**
 * flowandprune's `vgg_order_and_ratios` + `constrain_ratios`, with our two choices: the lowest
 * round(p·total) go (the reference: int(p·total)), and the ⌊0.05·n⌋+1 protected channels of a layer
 * are its highest-scoring (the reference: its last by index).
 */
export function naiveGlobal(
  scores: Record<string, number[]>,
  p: number,
  floorOf: (n: number) => number = (n) => Math.floor(0.05 * n) + 1,
): Record<string, number[]> {
  const rows: { id: string; k: number; s: number }[] = []
  for (const [id, s] of Object.entries(scores)) {
    const floor = floorOf(s.length)
    const top = new Set(
      s
        .map((v, k) => ({ v, k }))
        .sort((a, b) => b.v - a.v || a.k - b.k)
        .slice(0, floor)
        .map((e) => e.k),
    )
    s.forEach((v, k) => rows.push({ id, k, s: top.has(k) ? 1e7 : v }))
  }
  rows.sort((a, b) => a.s - b.s || b.k - a.k)
  const gone = new Set(rows.slice(0, Math.round(p * rows.length)).map((r) => `${r.id}:${r.k}`))
  return Object.fromEntries(Object.entries(scores).map(([id, s]) => [id, s.map((_, k) => k).filter((k) => !gone.has(`${id}:${k}`))]))
}
