/**
 * The one API contract of Spline Lab, shared by the service, the Electron main process and
 * preload, the browser-mode server and the renderer. Transports only move these messages;
 * every request crossing a process boundary is parsed with `requestSchemas` first.
 */
import { z } from 'zod'
import { METHODS, MODELS, RunConfigSchema, type ResolvedDefaults, type RunConfig } from './runConfig'
import { CRITERIA } from './criteria'
import type { ArchSpec, CostSummary } from './arch'
import type { BackendInfo } from './backend'

export * from './runConfig'
export * from './runFields'
export * from './criteria'
export * from './datasets'
export * from './outputs'
export * from './backend'
export * from './arch'
import { DatasetCancelSchema, DatasetImportOptionsSchema } from './datasets'
import type { DatasetInfo } from './datasets'
import { EXPORT_FORMATS, type ExportResult, type PartitionResult } from './outputs'

//#region domain types

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted'

export interface RunSummary {
  id: string
  name: string
  status: RunStatus
  dataset: string
  model: string
  method: string
  epochs: number
  epochsDone: number
  backend: string | null
  testAccuracy: number | null
  ebEpoch: number | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  heartbeatAt: string | null
  wallSeconds: number | null
  error: string | null
  criterion: string | null
  ratio: number | null
  /** of the final network (after pruning, when pruned) */
  params: number | null
  macs: number | null
  flops: number | null
  /** Σ phases 3 × forward flops × training images × epochs */
  trainFlops: number | null
  /** epoch of the original (BN-mask) early-bird detector */
  bnEbEpoch: number | null
  sweepId: string | null
  /** place in this process's trainer queue while queued (1 = next); null/absent otherwise */
  queuePosition?: number | null
  /** the run's config (the comparison views group runs by it) */
  config?: RunConfig
  /** the defaults its plan resolved (null until it started, and for runs from before they were stored) */
  resolved?: ResolvedDefaults | null
}

export interface EpochMetrics {
  epoch: number
  phase: 'dense' | 'prune' | 'retrain'
  trainLoss: number
  trainAccuracy: number
  testLoss: number
  testAccuracy: number
  lr: number
  /** wall seconds of this epoch, training + evaluation + spline recording */
  seconds: number
  /** seconds spent recording codes and distances (part of `seconds`) */
  splineSeconds: number
}

/**
 * Spline distances: for every layer name (plus `mean`), row t holds d(t, 0..t), so the matrix
 * is the lower triangle of the symmetric epoch×epoch distance matrix.
 */
export type DistanceRows = Record<string, number[][]>

export interface EbTracePoint {
  epoch: number
  /** max over the window of D(t, s); null before the window is full */
  maxDistance: number | null
  threshold: number
}

export interface RunDetail {
  summary: RunSummary
  config: RunConfig
  metrics: EpochMetrics[]
  layers: string[]
  distances: DistanceRows
  ebTrace: EbTracePoint[]
  /** the original EB detector's trace (max mask distance in its queue vs its threshold) */
  bnEbTrace: EbTracePoint[]
  probe: ProbeInfo | null
  /** architecture before pruning and after (null when not pruned) */
  archBefore: ArchSpec | null
  archAfter: ArchSpec | null
  /** per-layer MACs/FLOPs/params of both architectures */
  costsBefore: CostSummary | null
  costsAfter: CostSummary | null
  pruning: PruningInfo | null
  /** the defaults its plan resolved (null until it started, and for runs from before they were stored) */
  resolved: ResolvedDefaults | null
}

export interface PruningInfo {
  criterion: string
  scope: 'layerwise' | 'global'
  /** the ratio the criterion's selection ran at (solved for the MACs target, when there is one) */
  ratio: number
  /** the MACs per image the prune step aimed at (budget 'macs' / targetMacs) */
  targetMacs?: number
  P: number
  /** dense epochs trained when the ticket was pruned */
  atEpoch: number
  /** true when no EB ticket appeared before the cap and it was drawn at the cap */
  ebFallback: boolean
  retrain: 'finetune' | 'reinit'
  /** kept channel indices per prunable group (BN id) */
  kept: Record<string, number[]>
  notes: string[]
}

export interface ProbeInfo {
  kind: 'grid2d' | 'samples' | 'canvas'
  count: number
  /** bits recorded per layer per epoch (probes × channels × kept positions) */
  bitsPerLayer: Record<string, number>
  budgetBits?: number
  /** layers whose spatial positions were subsampled to fit the budget */
  subsampled?: Record<string, { kept: number; of: number }>
}

//#endregion

//#region methods

/** the sweep's equal-cost modes (runs.sweep `equalMacs`) */
export const EQUAL_MACS = ['layerwise', 'target'] as const

export const requestSchemas = {
  'runs.list': z.object({}).strict(),
  'runs.get': z.object({ runId: z.string().min(1).max(64) }).strict(),
  'runs.start': z.object({ config: RunConfigSchema }).strict(),
  'runs.cancel': z.object({ runId: z.string().min(1).max(64) }).strict(),
  'runs.delete': z.object({ runId: z.string().min(1).max(64) }).strict(),
  /** continue an interrupted, failed or cancelled run from its last checkpoint */
  'runs.resume': z.object({ runId: z.string().min(1).max(64) }).strict(),
  /** a grid of methods × ratios × seeds (× criteria × P), each a normal run grouped under a sweep id */
  'runs.sweep': z
    .object({
      config: RunConfigSchema,
      methods: z.array(z.enum(METHODS)).min(1).max(5),
      ratios: z.array(z.number().min(0).max(0.95).refine(Number.isFinite, 'must be a finite number')).min(1).max(12),
      seeds: z.number().int().min(1).max(20),
      criteria: z.array(z.enum(CRITERIA)).min(1).max(CRITERIA.length).optional(),
      Ps: z.array(z.number().min(0).max(1)).min(1).max(11).optional(),
      name: z.string().trim().max(120).optional(),
      /**
       * every criterion at the same pruned MACs per ratio: 'layerwise' prunes round(ratio·C) of every
       * layer (identical widths), 'target' solves each run's ratio for the MACs layerwise pruning leaves (budget macs)
       */
      equalMacs: z.enum(EQUAL_MACS, { message: `must be one of ${EQUAL_MACS.join(', ')}` }).optional(),
    })
    .strict(),
  'datasets.list': z.object({}).strict(),
  'datasets.import': z.object({ path: z.string().trim().min(1).max(4096), options: DatasetImportOptionsSchema.optional() }).strict(),
  'datasets.delete': z.object({ datasetId: z.string().regex(/^ds:[0-9a-f]{16}$/, 'must be ds:<16 hex digits>') }).strict(),
  /** stops the imports of a folder in flight; their datasets.import calls fail with 'conflict' */
  'datasets.cancel': DatasetCancelSchema,
  'system.info': z.object({}).strict(),
  /** MACs, FLOPs and params per layer of a model for an input shape (no run, no database) */
  'models.inspect': z
    .object({
      model: z.enum(MODELS, { message: `must be one of ${MODELS.join(', ')}` }),
      input: z.array(z.number().int().min(1).max(65536)).min(1).max(3),
      classes: z.number().int().min(1).max(100_000),
      width: z.number().gt(0).max(4).optional(),
      hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(16).optional(),
    })
    .strict(),
  /** unit boundaries and the decision boundary of a checkpointed epoch, computed in the trainer */
  'runs.partition': z
    .object({
      runId: z.string().min(1).max(64),
      epoch: z.number().int().min(0).max(100_000),
      /** points per side of the plane's grid */
      grid: z.number().int().min(8).max(256).optional(),
      /** one BN id, or every layer when absent */
      layer: z.string().min(1).max(200).optional(),
      /** apply the run's pruning (kept channels) to this epoch's weights: the ticket after surgery */
      pruned: z.boolean().optional(),
      /** image data: the two test images (indices) spanning the 2-D canvas */
      images: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
    })
    .strict(),
  /** a run, a selection or a sweep as a report or data files; ids are run ids or sweep ids */
  'runs.export': z
    .object({
      ids: z.array(z.string().min(1).max(64)).min(1).max(2000),
      format: z.enum(EXPORT_FORMATS),
      /** write the files into this folder (absolute path) instead of returning their content */
      outDir: z.string().trim().min(1).max(4096).optional(),
    })
    .strict(),
} as const

export type MethodName = keyof typeof requestSchemas
export const METHOD_NAMES = Object.keys(requestSchemas) as MethodName[]

/** request as the caller writes it (defaults not yet applied) */
export type Params<M extends MethodName> = z.input<(typeof requestSchemas)[M]>
/** request after validation (defaults applied) */
export type ParsedParams<M extends MethodName> = z.output<(typeof requestSchemas)[M]>

export interface Results {
  'runs.list': RunSummary[]
  'runs.get': RunDetail
  'runs.start': { runId: string; status: RunStatus }
  'runs.cancel': { runId: string; status: RunStatus }
  'runs.delete': { runId: string; deleted: boolean }
  /** fromEpoch: the checkpoint it continues from (0: none usable, it starts again) */
  'runs.resume': { runId: string; status: RunStatus; fromEpoch: number; note?: string }
  'runs.sweep': { sweepId: string; runIds: string[] }
  'datasets.list': DatasetInfo[]
  /** cached: the folder was unchanged and its cache reused; previousId: an older import of the same path */
  'datasets.import': { dataset: DatasetInfo; cached: boolean; previousId: string | null }
  'datasets.delete': { datasetId: string; deleted: boolean }
  /** cancelled: whether an import of that path was in flight */
  'datasets.cancel': { path: string; cancelled: boolean }
  /** readOnly: why the database is open read-only (listing works, changes are refused) */
  'system.info': BackendInfo & { version: string; transport?: string; readOnly?: string }
  'models.inspect': { arch: ArchSpec; costs: CostSummary }
  'runs.partition': PartitionResult
  'runs.export': ExportResult
}
export type Result<M extends MethodName> = Results[M]

//#endregion

//#region events

export type ApiEvent =
  | { type: 'run:status'; runId: string; summary: RunSummary }
  | {
      type: 'run:epoch'
      runId: string
      metrics: EpochMetrics
      /** the new row of every layer's distance matrix (d(t, 0..t)) */
      distanceRows: Record<string, number[]>
      ebTrace: EbTracePoint
      bnEbTrace?: EbTracePoint | null
      layers: string[]
    }
  | {
      type: 'run:progress'
      runId: string
      epoch: number
      batch: number
      batches: number
      phase: EpochMetrics['phase']
      /** planned epochs of the whole run (all phases) */
      epochs?: number
      etaSeconds: number | null
    }
  | { type: 'system:backend'; info: BackendInfo }
  | {
      type: 'dataset:progress'
      /** the folder being imported, as given to datasets.import */
      path: string
      phase: 'scanning' | 'reading' | 'writing' | 'done'
      done: number
      /** null while the total is not yet known */
      total: number | null
    }

//#endregion

//#region errors and wire format

/**
 * Every failure a caller can see, whichever transport carried it:
 * - bad-request: the request failed validation (names the field);
 * - not-found / conflict: the service refused it (no such run; a run still running);
 * - forbidden: a transport refused the caller (IPC from a frame that is not our window's page);
 * - unavailable: the transport itself failed (connection lost, client closed, main did not answer);
 * - internal: a bug or an unusable host; reported by message only, the stack stays in the log.
 */
export const API_ERROR_CODES = ['bad-request', 'not-found', 'conflict', 'forbidden', 'unavailable', 'internal'] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Formats a zod error as one line naming each bad field, e.g. `config.epochs: must be ≥ 1`. */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  // Keys and messages can quote the request: never echo more than a glance of it back.
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s)
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map((p) => clip(String(p), 60))].filter(Boolean).join('.')
      return clip(path ? `${path}: ${issue.message}` : issue.message, 300)
    })
    .join('; ')
}

/** Validates a request for `method`; throws ApiError('bad-request') naming the bad fields. */
export function parseRequest<M extends MethodName>(method: string, params: unknown): ParsedParams<M> {
  if (!(METHOD_NAMES as string[]).includes(method)) {
    throw new ApiError('bad-request', `unknown method '${String(method).slice(0, 60)}'`)
  }
  const schema = requestSchemas[method as M]
  const parsed = schema.safeParse(params ?? {})
  if (!parsed.success) throw new ApiError('bad-request', describeZodError(parsed.error))
  return parsed.data as ParsedParams<M>
}

/** The service, as every transport and the renderer's client see it. */
export interface SplineLabApi {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>
  /** Subscribes to all events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void
}

/** An error as it crosses a process boundary: the code and a one-line message, never a stack. */
export interface ApiErrorInfo {
  code: ApiErrorCode
  message: string
}

/**
 * The one reply shape of every transport: what Electron's `ipcMain.handle` returns (it never
 * throws: a rejection would reach the page as a wrapped message without its code) and, with the
 * request's id, every WebSocket reply.
 */
export type ApiReply<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorInfo }

/** The reply for a thrown value: an ApiError keeps its code, anything else is 'internal' (the transport logs it). */
export function errorReply(err: unknown): { ok: false; error: ApiErrorInfo } {
  if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } }
  return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : 'internal error' } }
}

/** A reply's result, or its error thrown as the same ApiError on every transport. */
export function unwrapReply<T>(reply: ApiReply<T>): T {
  if (typeof reply !== 'object' || reply === null || typeof reply.ok !== 'boolean')
    throw new ApiError('internal', 'malformed reply from the Spline Lab service')
  if (reply.ok) return reply.result
  const { code, message } = (reply.error ?? {}) as Partial<ApiErrorInfo>
  // A newer peer may send a code this build does not know: still an error, never a success.
  throw new ApiError(code && API_ERROR_CODES.includes(code) ? code : 'internal', typeof message === 'string' ? message : 'unknown error')
}

/** Browser mode, client → server: one request per WebSocket message. */
export const WsRequestSchema = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().max(64),
    params: z.unknown().optional(),
  })
  .strict()
export type WsRequest = z.infer<typeof WsRequestSchema>
/** server → client: the reply to request `id` (null when the message was too malformed to carry one) */
export type WsReply = ApiReply & { id: number | null }
/** server → client: everything the server sends, replies and pushed events */
export type WsFrame = WsReply | { event: ApiEvent }

/**
 * Electron IPC: every method is invoked on `${IPC_PREFIX}${method}`, the host's folder dialog on
 * IPC_PICK_FOLDER; each replies an ApiReply. Events arrive on IPC_EVENT.
 */
export const IPC_PREFIX = 'spline:'
export const IPC_EVENT = 'spline:event'
export const IPC_PICK_FOLDER = 'spline-host:pickFolder'

/**
 * What the Electron preload exposes to the page as `window.splineLab` (declared for the renderer
 * by src-main/electron/bridge.d.ts). Nothing on it rejects: every outcome is an ApiReply.
 */
export interface SplineLabBridge {
  /** validated against `requestSchemas` in the preload, then again in main */
  call(method: string, params: unknown): Promise<ApiReply>
  onEvent(listener: (event: ApiEvent) => void): () => void
  /** the file-system path of a dropped File (Electron's webUtils.getPathForFile); '' when it has none */
  pathForFile(file: File): string
  /** the native folder dialog; result null when cancelled */
  pickFolder(): Promise<ApiReply<string | null>>
}

//#endregion
