// Semantic relation distillation (ours, not in the paper): the teacher's item-to-item similarity
// structure distilled into the representation a backbone ranks with. SGFD's own terms distil into the
// feature extractor; a backbone such as BM3 ranks with ID embeddings, which features reach only
// through a shared predictor, so those terms move its ranking only indirectly. This term acts on the
// ranking representation itself and is indifferent to its space: it matches, for every item of the
// batch, the distribution over the batch's other items that the teacher's similarities induce.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';

/** Row-wise softmax of a batch's similarity matrix at temperature `tau` (log form on request). */
function neighbourhood(sim: Value, tau: number, log: boolean): Value {
  const z = G.mul(sim, 1 / tau);
  return log ? G.logSoftmax(z, -1) : G.softmax(z, -1);
}

/**
 * Cross-entropy of the ranking side's neighbour distribution under the teacher's, averaged over the
 * batch's items: −mean_i Σ_j p_t(j | i) log p_r(j | i), with p_t(· | i) = softmax_j(mean_m ⟨t_mi, t_mj⟩ / τ)
 * (teacher features are unit rows; the teacher gets no gradient) and p_r(· | i) = softmax_j(cos(r_i, r_j) / τ).
 * `ranking` [n, d] and each `teacher[m]` [n, d_t] hold the same n items in the same order (distinct
 * items, so an item is not its own duplicate neighbour). Equals KL(p_t ‖ p_r) up to a constant.
 */
export function relationLoss(ranking: Value, teacher: Value[], tau: number): Value {
  if (teacher.length === 0) throw new Error('the relation term needs at least one distilled modality\'s teacher features');
  const sims = teacher.map((t) => { const s = G.stopGradient(t); return G.matmul(s, G.transposeLast(s)); });
  const teacherSim = sims.length === 1 ? sims[0] : G.mul(G.sumAll(sims), 1 / sims.length);
  const r = G.l2Normalize(ranking, -1);
  const pt = neighbourhood(teacherSim, tau, false);
  const logPr = neighbourhood(G.matmul(r, G.transposeLast(r)), tau, true);
  return G.neg(G.reduceMean(G.reduceSum(G.mul(pt, logPr), [1])));
}
