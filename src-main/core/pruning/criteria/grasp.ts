/**
 * GraSP as flowandprune's `cal_importance_grasp`: Σ θ·(Hg) over the filter producing each channel
 * (signed, lowest pruned first), g and H those of the mean over classes of CE(logits / 200) on
 * 2,560 / C shuffled training samples per class, BN in inference mode; Hg exact (hessian.ts).
 */
import { gradientSamples } from '../../../contract/criteria'
import { lossGradients } from '../gradients'
import { hessianVectorProduct } from '../hessian'
import { drawSamples } from '../samples'
import { filterScores, needsTraining } from '../scores'
import type { Criterion } from '../types'

export const criterion: Criterion = {
  id: 'grasp',
  kind: 'scores',
  score(ctx) {
    const spec = gradientSamples('grasp')!
    const { training, numClasses } = needsTraining(ctx, 'grasp')
    const samples = drawSamples(training, numClasses, spec, ctx.seed)
    const g = lossGradients(ctx.network, samples, spec.temperature, numClasses, spec.batch)
    const hg = hessianVectorProduct(ctx.network, samples, spec.temperature, numClasses, spec.batch, g)
    return {
      scores: filterScores(ctx, 'grasp', (theta, i, w) => theta * hg[w]![i]!),
      notes: [`GraSP: exact Hessian-gradient product (reverse over forward), T = ${spec.temperature}, BN in inference mode, ${samples.note}`],
    }
  },
}
