/**
 * The one API contract of Spline Lab, shared by the service, the Electron main process and
 * preload, the browser-mode server and the renderer. Transports only move these messages;
 * every request crossing a process boundary is parsed with `requestSchemas` first.
 */
import { z } from 'zod'
import { RunConfigSchema, type RunConfig } from './runConfig'

export * from './runConfig'

//#region domain types

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted'

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgpu'

export interface BackendAttempt {
  /** package or backend tried, e.g. `@tensorflow/tfjs-node-gpu` */
  candidate: string
  ok: boolean
  /** why it was not used; absent when ok */
  reason?: string
}

export interface BackendInfo {
  /** the backend tf.getBackend() reports inside the trainer worker */
  backend: BackendName | string
  /** what was asked for (config or SPLINE_LAB_BACKEND), or 'auto' */
  requested: string
  attempts: BackendAttempt[]
  tfjsVersion: string
  /** whether our own wasm kernels (Conv2DBackpropFilter, …) are registered */
  customKernels: string[]
}

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
  probe: ProbeInfo | null
}

export interface ProbeInfo {
  kind: 'grid2d' | 'samples'
  count: number
  /** bits recorded per layer per probe (channels × kept positions) */
  bitsPerLayer: Record<string, number>
}

export interface DatasetInfo {
  id: string
  name: string
  description: string
  inputShape: number[]
  numClasses: number
  trainCount: number
  testCount: number
}

//#endregion

//#region methods

export const requestSchemas = {
  'runs.list': z.object({}).strict(),
  'runs.get': z.object({ runId: z.string().min(1).max(64) }).strict(),
  'runs.start': z.object({ config: RunConfigSchema }).strict(),
  'runs.cancel': z.object({ runId: z.string().min(1).max(64) }).strict(),
  'runs.delete': z.object({ runId: z.string().min(1).max(64) }).strict(),
  'datasets.list': z.object({}).strict(),
  'system.info': z.object({}).strict(),
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
  'datasets.list': DatasetInfo[]
  'system.info': BackendInfo & { version: string; transport?: string }
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
      layers: string[]
    }
  | {
      type: 'run:progress'
      runId: string
      epoch: number
      batch: number
      batches: number
      phase: EpochMetrics['phase']
      etaSeconds: number | null
    }
  | { type: 'system:backend'; info: BackendInfo }

//#endregion

//#region errors and wire format

export type ApiErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'internal'

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
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.')
      return path ? `${path}: ${issue.message}` : issue.message
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

/** Browser-mode WebSocket frames. */
export const WsRequestSchema = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().max(64),
    params: z.unknown().optional(),
  })
  .strict()
export type WsRequest = z.infer<typeof WsRequestSchema>
export type WsResponse =
  | { id: number; result: unknown }
  | { id: number | null; error: { code: ApiErrorCode; message: string } }
  | { event: ApiEvent }

/** Electron IPC: every method is invoked on `${IPC_PREFIX}${method}`; events arrive on IPC_EVENT. */
export const IPC_PREFIX = 'spline:'
export const IPC_EVENT = 'spline:event'

//#endregion
