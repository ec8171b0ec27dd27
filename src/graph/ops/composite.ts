// Composite ops built from the primitives (their gradients follow from the primitives' rules):
// row L2-normalisation, cosine similarity, log-sigmoid, segment softmax over edges, dropout.
import { type Value } from '../graph.ts';
import { ShapeError } from '../shape.ts';
import { add, sub, mul, div, sqrt, exp, log, neg, relu, abs, maximum, stopGradient } from './elementwise.ts';
import { reduceSum, reduceMax } from './reduce.ts';
import { gather, segmentSumBy } from './gather.ts';
import { zeros } from './util.ts';

/** x / max(‖x‖₂, eps) along `axis` (PyTorch's F.normalize). */
export function l2Normalize(x: Value, axis = -1, eps = 1e-12): Value {
  const norm = sqrt(reduceSum(mul(x, x), [axis], true));
  return div(x, maximum(norm, eps));
}

/** Cosine similarity of matching rows along `axis`. */
export function cosine(a: Value, b: Value, axis = -1, eps = 1e-8): Value {
  const dot = reduceSum(mul(a, b), [axis]);
  const na = sqrt(reduceSum(mul(a, a), [axis]));
  const nb = sqrt(reduceSum(mul(b, b), [axis]));
  return div(dot, maximum(mul(na, nb), eps));
}

/** log σ(x), computed stably as min(x, 0) − log(1 + e^−|x|). */
export function logSigmoid(x: Value): Value {
  return sub(neg(relu(neg(x))), log(add(exp(neg(abs(x))), 1)));
}

/**
 * Softmax of edge scores grouped by target node: out[e] = exp(s[e]) / Σ_{e': tgt[e'] = tgt[e]} exp(s[e']).
 * `targets` must carry an index plan (indexInput/indexConstant). The per-group max is replaced by a
 * global max for stability (a constant shift, exact in the result); scores [E] or [E, H].
 */
export function segmentSoftmax(scores: Value, targets: Value): Value {
  if (!targets.index?.numRows) throw new ShapeError(`segmentSoftmax: ${targets} carries no index plan`);
  const shift = stopGradient(reduceMax(scores, [0], true));
  const e = exp(sub(scores, shift));
  const denom = gather(segmentSumBy(e, targets), targets);
  return div(e, denom);
}

/** Inverted dropout with an explicit keep-mask (1 = keep), drawn by the caller from the seeded RNG. */
export function dropout(x: Value, keepMask: Value, p: number): Value {
  if (p <= 0) return x;
  if (p >= 1) return zeros(x.graph, x.dtype, x.shape, x);
  return mul(mul(x, keepMask), 1 / (1 - p));
}
