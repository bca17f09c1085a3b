/**
 * Loss preservation as flowandprune's `cal_importance_loss_based`: Σ|θ·g| over the filter
 * producing each channel, g the gradient of the mean CE(logits / 5) over the first 2,560 shuffled
 * training samples, BN in inference mode.
 */
import { gradientSamples } from '../../../contract/criteria'
import { lossGradients } from '../gradients'
import { drawSamples } from '../samples'
import { filterScores, needsTraining } from '../scores'
import type { Criterion } from '../types'

export const criterion: Criterion = {
  id: 'loss-preservation',
  kind: 'scores',
  score(ctx) {
    const spec = gradientSamples('loss-preservation')!
    const { training, numClasses } = needsTraining(ctx, 'loss-preservation')
    const samples = drawSamples(training, numClasses, spec, ctx.seed)
    const g = lossGradients(ctx.network, samples, spec.temperature, numClasses, spec.batch)
    return {
      scores: filterScores(ctx, 'loss-preservation', (theta, i, w) => Math.abs(theta * g[w]![i]!)),
      notes: [`loss preservation: T = ${spec.temperature}, BN in inference mode, ${samples.note}`],
    }
  },
}
