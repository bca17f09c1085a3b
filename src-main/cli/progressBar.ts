/** A one-line progress bar with ETA for terminals; plain lines when stderr is not a TTY. */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr) {
  let lastPlain = 0
  return {
    update(done: number, total: number, label: string, etaSeconds: number | null) {
      const frac = total > 0 ? Math.min(1, done / total) : 0
      const eta = etaSeconds == null ? '' : ` ETA ${formatSeconds(etaSeconds)}`
      if (stream.isTTY) {
        const width = 28
        const filled = Math.round(frac * width)
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${label}${eta}\x1b[K`)
      } else if (Date.now() - lastPlain > 2000 || done === total) {
        lastPlain = Date.now()
        stream.write(`${(frac * 100).toFixed(0)}% ${label}${eta}\n`)
      }
    },
    end() {
      if (stream.isTTY) stream.write('\n')
    },
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?'
  if (s < 60) return `${s.toFixed(0)}s`
  const m = Math.floor(s / 60)
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
