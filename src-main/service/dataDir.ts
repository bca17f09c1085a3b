import { setting } from '../settings/settings'

/** The app's data folder: $SPLINE_LAB_HOME, else ~/.spline-lab. */
export function defaultDataDir(): string {
  return setting('home')
}
