/** The report's stylesheet: readable on screen, A4 in print (the PDF is this page printed). */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px 28px 48px; font: 13px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #1d2430; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 6px; padding-bottom: 4px; border-bottom: 1px solid #d8dde5; }
h3 { font-size: 14px; margin: 18px 0 6px; }
.sub { color: #5c6675; margin: 0 0 8px; }
table { border-collapse: collapse; font-size: 12px; }
table.grid { width: 100%; }
table.grid th, table.grid td { border-bottom: 1px solid #e3e7ee; padding: 3px 6px; text-align: left; vertical-align: top; }
table.grid thead th { background: #f0f3f7; color: #5c6675; font-weight: 600; }
table.grid tr.pruned td, table.grid tr.pruned th { background: #fdf6e3; }
table.kv th { text-align: left; color: #5c6675; font-weight: 600; padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table.grid td:first-child { min-width: 15em; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 8px 0; }
.facts span { display: block; font-size: 10px; color: #5c6675; text-transform: uppercase; letter-spacing: .04em; }
.facts b { font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; border: 1px solid #e3e7ee; border-radius: 6px; padding: 8px 10px; white-space: pre-wrap; word-break: break-all; font: 11px/1.4 ui-monospace, Menlo, Consolas, 'Liberation Mono', monospace; }
figure { margin: 10px 0; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #5c6675; font-size: 11px; margin-top: 2px; }
.pair { display: flex; gap: 16px; flex-wrap: wrap; }
.pair figure { flex: 1 1 320px; }
.totals { font-variant-numeric: tabular-nums; }
.cfg { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 4px 16px; font-size: 11px; }
.cfg span { display: block; color: #5c6675; font-size: 10px; }
.cfg b { font-weight: 600; overflow-wrap: anywhere; }
.notes { color: #5c6675; margin: 4px 0; padding-left: 18px; }
.note { color: #5c6675; }
details summary { cursor: pointer; font-weight: 600; margin: 12px 0 6px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section.run + section.run { break-before: page; }
  table.grid { font-size: 9.5px; }
  table.grid th, table.grid td { padding: 2px 3px; }
  table.grid thead { display: table-header-group; }
  tr { break-inside: avoid; }
  details > summary { list-style: none; }
}
`
