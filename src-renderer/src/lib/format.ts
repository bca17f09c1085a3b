export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  return fraction == null || !Number.isFinite(fraction) ? '–' : `${(fraction * 100).toFixed(digits)}%`
}

export function formatNumber(value: number | null | undefined, digits = 3): string {
  return value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits)
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' })
const dayOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** for narrow columns: the time if it was today, else the day */
export function formatShortDate(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '–'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toDateString() === now.toDateString() ? timeOnly.format(date) : dayOnly.format(date)
}

/** `builtin:xshape` → `xshape`; the full id stays in the title attribute */
export function shortDataset(id: string): string {
  return id.replace(/^builtin:/, '')
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** for ECharts tooltips, which render HTML */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch)
}
