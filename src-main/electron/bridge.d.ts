/**
 * The page's view of what preload.ts exposes, included by tsconfig.web.json (as the electron-vite
 * boilerplate does): the shape itself is the contract's SplineLabBridge, written once. Absent in
 * browser mode.
 */
import type { SplineLabBridge } from '../contract/api'

declare global {
  interface Window {
    splineLab?: SplineLabBridge
  }
}
