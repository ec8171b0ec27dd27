// Losses as graph composites: softmax cross-entropy, BPR, cosine, L1, MSE, hinge.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';

/** Mean over the batch of −log softmax(logits)[label]; labels int64 [B]. */
export function softmaxCrossEntropy(logits: Value, labels: Value): Value {
  const logp = G.logSoftmax(logits, -1);
  const picked = G.gatherElements(logp, G.unsqueeze(labels, [1]), 1);
  return G.neg(G.reduceMean(picked));
}

/** Mean over pairs of −log σ(pos − neg) (Bayesian personalised ranking). */
export function bprLoss(pos: Value, neg: Value): Value {
  return G.neg(G.reduceMean(G.logSigmoid(G.sub(pos, neg))));
}

/** Mean over rows of 1 − cos(a, b). */
export function cosineLoss(a: Value, b: Value): Value {
  return G.sub(1, G.reduceMean(G.cosine(a, b)));
}

/** Element mean of (a − b)². */
export function mseLoss(a: Value, b: Value): Value {
  return G.reduceMean(G.square(G.sub(a, b)));
}

/** Element mean of |a − b|. */
export function l1Loss(a: Value, b: Value): Value {
  return G.reduceMean(G.abs(G.sub(a, b)));
}

/** Mean over rows of the squared L2 distance Σ_j (a − b)². */
export function squaredL2Loss(a: Value, b: Value): Value {
  return G.reduceMean(G.reduceSum(G.square(G.sub(a, b)), [-1]));
}

/** Element mean of max(0, margin + a − b). */
export function hingeLoss(a: Value, b: Value, margin = 1): Value {
  return G.reduceMean(G.relu(G.add(G.sub(a, b), margin)));
}
