/**
 * The data folder, the database or a folder we write to cannot be used (read-only, full,
 * missing permissions): one clear line naming the path, never "internal error". The CLI prints
 * errors of this name as they are (exit 1).
 */
export class DataFolderError extends Error {
  override name = 'DataFolderError'
}
