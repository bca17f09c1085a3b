export { buildRunPlan, checkPlan, plannedEpochs } from './build'
export { PLAN_BUILDERS } from './registry'
export type * from './types'
