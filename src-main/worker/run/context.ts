/** What an executing run holds between its phases: the plan, the network it is training now, and the run-wide state. */
import type { RunConfig } from '../../contract/api'
import type { ArchSpec } from '../../contract/arch'
import type { Network } from '../../core/network'
import type { RunPlan } from '../../core/plan'
import type { LayerCode } from '../../core/splineCodes'
import type { Probe } from '../../core/splineRecorder'
import type { CheckpointData } from '../checkpoint'
import type { PhaseCost, ResumeState, RunCheckpoints } from '../jobCheckpoints'
import type { FromWorker } from '../protocol'
import type { RunData } from './data'
import type { Instruments } from './instruments'
import type { Replicas } from './replicas'

export interface JobHooks {
  post(message: FromWorker): void
  isCancelled(): boolean
  now?: () => number
  dataDir?: string
  /** continue from this epoch's checkpoint (in dataDir) instead of starting afresh */
  resume?: { epoch: number }
}

export interface RunContext {
  runId: string
  config: RunConfig
  hooks: JobHooks
  now: () => number
  /** when this session of the run started (now()) */
  started: number
  plan: RunPlan
  data: RunData
  specBefore: ArchSpec
  /** the network being trained: the initial one, then the pruned one */
  network: Network
  probe: Probe
  instruments: Instruments
  resumed: ResumeState | null
  /** where the run enters its plan: the first phase to run, and whether the checkpoint holds the pruned network */
  entry: { index: number; afterPrune: boolean }
  checkpoints: RunCheckpoints | null
  replicas: Replicas
  /** the backend label of the `started` message, and the workers it names */
  backendLabel: string
  workersAtStart: number
  /** epochs of the run done so far: the next train phase's first epoch is epoch + 1 */
  epoch: number
  /** planned epochs of the whole run (progress) */
  total: { epochs: number }
  /** training FLOPs accounting of the phases done */
  costs: PhaseCost[]
  /** what the epoch messages and the outcome report */
  report: { lastAccuracy: number | null; checkpoint: RunCheckpoints | null }
  /** set by the prune step; saved in every later checkpoint */
  pruning: CheckpointData['pruning']
  /** the untrained network's spline codes, where a prune step reads them */
  initCodes: LayerCode[] | null
}
