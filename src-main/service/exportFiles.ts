/**
 * Writing an export's files where the caller says (the CLI's --out): whole or not at all, and a
 * failed write named in one line. The report layer does the work; transports reach it here.
 */
import type { ExportFile } from '../contract/api'
import { namesOthers, writeFileAtomic, writeFilesAtomic } from '../report/atomicFiles'

/** An export file's bytes. */
export const decodeExportFile = (f: ExportFile) => Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8')

/** One file to exactly `out`, or every file by its own name inside the folder `out`. */
export function writeExportFiles(files: ExportFile[], out: string, toFile: boolean): string[] {
  if (toFile && files.length === 1) {
    writeFileAtomic(out, decodeExportFile(files[0]!))
    return [out]
  }
  return writeFilesAtomic(
    out,
    files.map((f) => ({ name: f.name, data: decodeExportFile(f) })),
    namesOthers,
  )
}
