/** What the partition view and the exporters return (see api.ts). */
import type { ArchSpec } from './arch'

export type Polyline = number[]

export interface PartitionLayer {
  /** BN id, e.g. 'fc1.bn' or 'conv2.bn' */
  id: string
  /** units of the layer (channels × positions for conv layers) */
  units: number
  /** zero contour of each unit drawn (conv layers: one unit per channel, at the map's centre) */
  contours: Polyline[][]
  /** which units `contours` are: indices into the layer's flattened output */
  shown: number[]
  /** distinct activation patterns of the whole layer on the grid (its regions in the plane) */
  regions: number
  /** row-major grid² of '0'/'1': 1 where the layer's pattern differs from the right or upper neighbour */
  edges: string
}

export interface PartitionResult {
  runId: string
  epoch: number
  grid: number
  /** 2-D data: the input plane; canvas: α·image A + β·image B */
  plane: 'input' | 'canvas'
  extent: { x: [number, number]; y: [number, number]; xLabel: string; yLabel: string }
  /** whether the run's pruning was applied to this epoch's weights */
  pruned: boolean
  arch: ArchSpec
  layers: PartitionLayer[]
  decision: {
    classes: string[]
    /** row-major grid² of predicted class indices */
    labels: number[]
    contours: Polyline[]
  }
  /** test points (2-D) or the two canvas anchors, in plane coordinates */
  points: { x: number; y: number; label: number }[]
  images?: { a: number; b: number; labelA: string; labelB: string }
  seconds: number
}

export const EXPORT_FORMATS = ['html', 'pdf', 'csv', 'json', 'model', 'md'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportFile {
  /** relative path, e.g. 'report.html' or 'run-abc/model.json' */
  name: string
  mime: string
  /** text files as utf8, binaries as base64; '' when written to disk */
  encoding: 'utf8' | 'base64'
  content: string
  bytes: number
}

export interface ExportResult {
  files: ExportFile[]
  /** absolute paths written (outDir only) */
  writtenTo: string[]
  /** what could not be exported and why (e.g. a run without checkpoints for the model) */
  notes: string[]
}
