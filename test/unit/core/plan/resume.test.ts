/**
 * What resume and the executor rely on in every plan: checkpoints name their phase 'dense' or
 * 'retrain', so each label is one phase, 'retrain' exactly after the prune step; a ticket's
 * detector is recorded in its phase; the schedule read per epoch equals the run kinds' definition
 * (written out independently below, as runJob's branches had it).
 */
import { describe, expect, it } from 'vitest'
import { CRITERIA, METHODS, RunConfigSchema, type RunConfig, type RunConfigInput } from '../../../../src-main/contract/api'
import { buildRunPlan, checkPlan, lrAt, phaseEpochs, type RunPlan } from '../../../../src-main/core/plan'

const facts = { task: 'classification' as const, trainImages: 300, inputShape: [2], numClasses: 2 }
const config = (c: Partial<RunConfigInput>) => RunConfigSchema.parse({ dataset: 'builtin:xshape', model: 'mlp', ...c })

const variants: Partial<RunConfigInput>[] = METHODS.flatMap((method) =>
  [...CRITERIA, undefined].flatMap((criterion) =>
    [1, 2, 9, 20].flatMap((epochs) => [0.1, 0.5, 1].map((ebCap) => ({ method, criterion: method === 'dense' ? undefined : criterion, epochs, ebCap }))),
  ),
)

describe('plans resume can rely on', () => {
  it('one phase per checkpoint label, retrain exactly after the one prune step', () => {
    for (const v of variants) {
      const labels = buildRunPlan(config(v), facts).phases.map((p) => (p.kind === 'prune' ? 'prune' : p.label))
      const expected = { dense: ['dense'], 'spline-eb': ['dense', 'prune', 'retrain'], 'eb-bn': ['dense', 'prune', 'retrain'] }
      expect(labels).toEqual(
        (expected as Record<string, string[]>)[v.method!] ?? (v.method === 'prune-after' ? ['dense', 'prune', 'retrain'] : ['prune', 'retrain']),
      )
    }
  })

  it('checkPlan refuses plans the executor cannot carry out', () => {
    const good = buildRunPlan(config({ method: 'spline-eb' }), facts)
    const edit = (f: (p: RunPlan) => void) => {
      const p = structuredClone(good)
      f(p)
      return () => checkPlan(p)
    }
    expect(edit(() => {})).not.toThrow()
    expect(
      edit((p) => {
        if (p.phases[0]!.kind === 'train') p.phases[0]!.recorders = ['bn-mask']
      }),
    ).toThrow("plan of 'spline-eb': phase 'dense' waits for 'spline-eb' but does not record 'spline-codes'")
    const after = buildRunPlan(config({ method: 'prune-after', criterion: 'spline' }), facts)
    if (after.phases[0]!.kind === 'train') after.phases[0]!.recorders = ['bn-mask']
    expect(() => checkPlan(after)).toThrow("plan of 'prune-after': spline reads recorded spline codes but no earlier phase records them")
    expect(edit((p) => p.phases.push(structuredClone(p.phases[2]!)))).toThrow("two train phases are labelled 'retrain'")
    expect(edit((p) => p.phases.splice(1, 1))).toThrow("the 'retrain' phase must come after the prune step")
    expect(edit((p) => p.phases.push(structuredClone(p.phases[1]!)))).toThrow('prunes twice')
    expect(edit((p) => (p.detectors = p.detectors.filter((d) => d.id !== 'spline-eb')))).toThrow("waits for 'spline-eb', which the run does not create")
    expect(
      edit((p) => {
        if (p.phases[0]!.kind === 'train') p.phases[0]!.epochs = { count: 3 }
      }),
    ).toThrow('runs 3 epochs but caps its ticket at 15')
  })
})

/** The run kinds as runJob's branches defined them: dense epochs, where the ticket is drawn, retrain epochs, lr per epoch. */
function reference(c: RunConfig, ticketAt: number | null) {
  const E = c.epochs
  const cap = Math.max(1, Math.round(c.ebCap * E))
  const eb = c.method === 'spline-eb' || c.method === 'eb-bn'
  const denseEpochs = c.method === 'prune-at-init' ? 0 : eb ? cap : E
  const atEpoch = eb && ticketAt !== null ? Math.min(ticketAt, cap) : denseEpochs
  const step = (e: number, span: number) => c.lr * 0.1 ** c.lrMilestones.filter((m) => e >= Math.round(m * span)).length
  const lrs = Array.from({ length: atEpoch }, (_, e) => step(e, E))
  if (c.method === 'dense') return { atEpoch: null, lrs }
  const retrainEpochs = c.method === 'prune-after' ? (c.finetuneEpochs ?? Math.round(E / 2)) : E - atEpoch
  for (let e = atEpoch; e < atEpoch + retrainEpochs; e++) lrs.push(c.method === 'prune-after' ? step(e - atEpoch, retrainEpochs) : step(e, E))
  return { atEpoch, lrs }
}

/** The plan read as the executor reads it, with the ticket's detector firing after epoch `ticketAt`. */
function interpret(plan: RunPlan, ticketAt: number | null) {
  let epoch = 0
  let atEpoch: number | null = null
  const lrs: number[] = []
  for (const p of plan.phases) {
    if (p.kind === 'prune') {
      atEpoch = epoch
      continue
    }
    const n = phaseEpochs(p, epoch)
    const ran = p.ticket && ticketAt !== null ? Math.min(n, ticketAt - epoch) : Math.max(0, n)
    const lr = lrAt(p.lr, epoch)
    for (let e = epoch; e < epoch + ran; e++) lrs.push(lr(e))
    epoch += ran
  }
  return { atEpoch, lrs, epochs: epoch }
}

describe('the schedule a plan gives', () => {
  it('equals the run kinds’ definition for every kind, length, cap, fine-tuning and ticket epoch', () => {
    let checked = 0
    for (const method of METHODS) {
      for (const epochs of [1, 2, 5, 12, 30]) {
        for (const ebCap of [0.1, 0.5, 1]) {
          for (const finetuneEpochs of [undefined, 0, 3]) {
            for (const lrMilestones of [[0.5, 0.75], [0.3], []]) {
              const c = config({ method, epochs, ebCap, finetuneEpochs, lrMilestones })
              const plan = buildRunPlan(c, facts)
              for (const ticketAt of [null, 1, 2, Math.ceil(epochs / 3)]) {
                const got = interpret(plan, ticketAt)
                const want = reference(c, ticketAt)
                expect({ atEpoch: got.atEpoch, lrs: got.lrs.map((x) => +x.toPrecision(12)) }).toEqual({
                  atEpoch: want.atEpoch,
                  lrs: want.lrs.map((x) => +x.toPrecision(12)),
                })
                expect(got.epochs).toBeLessThanOrEqual(plan.plannedEpochs)
                if (ticketAt === null) expect(got.epochs).toBe(plan.plannedEpochs)
                checked++
              }
            }
          }
        }
      }
    }
    expect(checked).toBe(5 * 5 * 3 * 3 * 3 * 4)
  })
})
