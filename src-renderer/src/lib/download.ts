/** Saves exported files in the browser (or Electron's renderer) through object URLs. */
import type { ExportFile } from '@contract'

function bytes(file: ExportFile): BlobPart {
  if (file.encoding === 'utf8') return file.content
  const raw = atob(file.content)
  const out = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

export async function downloadFiles(files: readonly ExportFile[]): Promise<void> {
  for (const file of files) {
    const url = URL.createObjectURL(new Blob([bytes(file)], { type: file.mime }))
    const a = document.createElement('a')
    a.href = url
    a.download = file.name
    a.rel = 'noopener'
    document.body.appendChild(a)
    a.click()
    a.remove()
    // Browsers start the download synchronously from the click; the URL can go after a tick.
    setTimeout(() => URL.revokeObjectURL(url), 1000)
    // Several files in one go: a short gap keeps Chromium from dropping all but the first.
    if (files.length > 1) await new Promise((r) => setTimeout(r, 150))
  }
}
