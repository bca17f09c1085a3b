import { homedir } from 'node:os'
import { join } from 'node:path'

/** The app's data folder: $SPLINE_LAB_HOME, else ~/.spline-lab. */
export function defaultDataDir(): string {
  return process.env.SPLINE_LAB_HOME || join(homedir(), '.spline-lab')
}
