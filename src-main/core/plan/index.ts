export { buildRunPlan, checkPlan, plannedEpochs } from './build'
export { PLAN_BUILDERS } from './registry'
export { lrAt, phaseEpochs } from './schedule'
export type * from './types'
