/**
 * Light / dark / follow-the-system. The theme in effect (the choice, or the system's in 'auto') is
 * the data-theme attribute on <html> that styles.css keys its tokens on, so the dark palette is
 * declared once; `themeVersion` bumps on every change so canvas charts re-read the colours.
 */
import { ref } from 'vue'

export type ThemeChoice = 'auto' | 'light' | 'dark'

const KEY = 'spline-lab.theme'

function stored(): ThemeChoice {
  const v = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY)
  return v === 'light' || v === 'dark' ? v : 'auto'
}

export const themeChoice = ref<ThemeChoice>(stored())
export const themeVersion = ref(0)

const systemDark = (): boolean => window.matchMedia('(prefers-color-scheme: dark)').matches

export function applyTheme(choice: ThemeChoice): void {
  themeChoice.value = choice
  document.documentElement.setAttribute('data-theme', isDark() ? 'dark' : 'light')
  localStorage.setItem(KEY, choice)
  themeVersion.value++
}

export function isDark(): boolean {
  if (themeChoice.value !== 'auto') return themeChoice.value === 'dark'
  return systemDark()
}

if (typeof window !== 'undefined') {
  applyTheme(themeChoice.value)
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (themeChoice.value === 'auto') applyTheme('auto')
  })
}
