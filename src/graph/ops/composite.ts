// Composite ops built from the primitives (their gradients follow from the primitives' rules):
// row L2-normalisation, cosine similarity, log-sigmoid, segment softmax over edges, dropout.
import { type Value } from '../graph.ts';
import { ShapeError } from '../shape.ts';
import { add, sub, mul, div, sqrt, exp, log, neg, relu, abs, maximum, stopGradient } from './elementwise.ts';
import { reduceSum } from './reduce.ts';
import { gather, segmentSumBy } from './gather.ts';
import { unsqueeze } from './layout.ts';
import { zeros } from './util.ts';

/** x / max(‖x‖₂, eps) along `axis` (PyTorch's F.normalize). */
export function l2Normalize(x: Value, axis = -1, eps = 1e-12): Value {
  // max(‖x‖, eps) taken as √max(‖x‖², eps²): the same value, but an all-zero row gets a finite
  // gradient (1/eps, as x / max(‖x‖, eps) in PyTorch) instead of √0's infinite one times 0 = NaN.
  const norm = sqrt(maximum(reduceSum(mul(x, x), [axis], true), eps * eps));
  return div(x, norm);
}

/**
 * Row-wise dot products of a[E, d] and b[E, d] → [E]. Its own gradient broadcasts dy over the rows
 * (no [E, d] Expand), which matters on edge lists.
 */
export function rowDot(a: Value, b: Value): Value {
  return a.graph.withGradient([a, b], () => reduceSum(mul(a, b), [1]), (dy) => {
    const d = unsqueeze(dy, [1]);
    return [mul(d, b), mul(d, a)];
  });
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
 * `targets` must carry an index plan (indexInput/indexConstant); scores [E] or [E, H]. For stability
 * each group is shifted by its own mean score (a per-group constant, so the result is exact): at least
 * one edge of every group then has exp ≥ 1, so no group underflows to 0/0. (ONNX has no race-free
 * segment max; overflow needs a spread above ~88 within one group.)
 */
export function segmentSoftmax(scores: Value, targets: Value): Value {
  if (!targets.index?.numRows) throw new ShapeError(`segmentSoftmax: ${targets} carries no index plan`);
  const ones = onesLike(scores);
  const mean = div(segmentSumBy(scores, targets), maximum(segmentSumBy(ones, targets), 1));
  const shift = stopGradient(gather(mean, targets));
  const e = exp(sub(scores, shift));
  const denom = gather(segmentSumBy(e, targets), targets);
  return div(e, denom);
}

/** Ones shaped like `x`. */
function onesLike(x: Value): Value {
  return add(zeros(x.graph, x.dtype, x.shape, x), 1);
}

/** Inverted dropout with an explicit keep-mask (1 = keep), drawn by the caller from the seeded RNG. */
export function dropout(x: Value, keepMask: Value, p: number): Value {
  if (p <= 0) return x;
  if (p >= 1) return zeros(x.graph, x.dtype, x.shape, x);
  return mul(mul(x, keepMask), 1 / (1 - p));
}
