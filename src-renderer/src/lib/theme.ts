/**
 * Light / dark / follow-the-system. The choice is an attribute on <html> that styles.css keys
 * its tokens on; `themeVersion` bumps on every change so canvas charts re-read the colours.
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

export function applyTheme(choice: ThemeChoice): void {
  themeChoice.value = choice
  const root = document.documentElement
  if (choice === 'auto') root.removeAttribute('data-theme')
  else root.setAttribute('data-theme', choice)
  localStorage.setItem(KEY, choice)
  themeVersion.value++
}

export function isDark(): boolean {
  if (themeChoice.value !== 'auto') return themeChoice.value === 'dark'
  return window.matchMedia('(prefers-color-scheme: dark)').matches
}

if (typeof window !== 'undefined') {
  applyTheme(themeChoice.value)
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => themeVersion.value++)
}
