/** Plain-text table helpers shared by the bench's report sections. */

export const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length))
export const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s)
export const num = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2))
export const sci = (x: number | null): string => (x === null ? '–' : x === 0 ? '0' : x.toExponential(1))
export const bytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`

export function table(head: string[], rows: string[][], right: boolean[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string =>
    r
      .map((c, i) => (right[i] ? lpad(c, w[i]!) : pad(c, w[i]!)))
      .join('  ')
      .trimEnd()
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n')
}
