/**
 * Canvas charts cannot read CSS, so the theme's colours are read from the CSS variables and
 * re-read whenever the theme changes (the user's choice or the OS switching light/dark).
 */
import { onBeforeUnmount, shallowRef, watch, type ShallowRef } from 'vue'
import { themeVersion } from './theme'

export interface ThemeColors {
  text: string
  muted: string
  grid: string
  surface: string
  accent: string
}

export function readThemeColors(): ThemeColors {
  const style = getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  return {
    text: v('--text', '#1d2430'),
    muted: v('--muted', '#5c6675'),
    grid: v('--border', '#d8dde5'),
    surface: v('--surface', '#ffffff'),
    accent: v('--accent', '#2f6fde'),
  }
}

export function useThemeColors(): ShallowRef<ThemeColors> {
  const colors = shallowRef(readThemeColors())
  const stop = watch(themeVersion, () => (colors.value = readThemeColors()))
  onBeforeUnmount(stop)
  return colors
}

/** fixed series colours, chosen to read on both the light and the dark surface */
export const SERIES = {
  trainLoss: '#3b82f6',
  testLoss: '#f59e0b',
  trainAcc: '#10b981',
  testAcc: '#e04f8f',
  eb: '#ef4444',
  bnEb: '#8b5cf6',
  prune: '#f59e0b',
} as const

/** viridis, reversed: similar epochs (small distance) bright, distant epochs dark */
export const VIRIDIS_REVERSED = ['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154']
