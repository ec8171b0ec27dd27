// MAML's loss terms (SGFD-SPEC.md §5), each summed over the batch as the reference sums them.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';

/**
 * Rank-weighted hinge over B rows, each a positive distance dPos [B, 1] and J negative distances
 * dNeg [B, J]:
 *   hinge_b  = max(0, dPos_b − min_j dNeg_bj + margin)
 *   weight_b = log(1 + nItems · |{j : dPos_b − dNeg_bj + margin > 0}| / J)   (a WARP-like rank estimate)
 *   loss     = Σ_b weight_b · hinge_b
 * The weight is a step function of the distances, so no gradient flows through it.
 */
export function rankWeightedHinge(dPos: Value, dNeg: Value, margin: number, nItems: number): Value {
  const closest = G.neg(G.reduceMax(G.neg(dNeg), [1], true));
  const hinge = G.relu(G.add(G.sub(dPos, closest), margin));
  const violating = G.cast(G.greater(G.add(G.sub(dPos, dNeg), margin), 0), 'float32');
  const weight = G.log(G.add(G.mul(G.reduceMean(violating, [1], true), nItems), 1));
  return G.reduceSum(G.mul(weight, hinge));
}

/** Σ_b ‖itemEmb_b − proj_b‖²: pulls each positive item's embedding and its feature projection together. */
export function featureLoss(itemEmb: Value, proj: Value): Value {
  return G.reduceSum(G.square(G.sub(itemEmb, proj)));
}

/**
 * Sum of the off-diagonal entries of the covariance of the rows of X [N, d] (MAML stacks the
 * batch's positive item embeddings over its users' embeddings, duplicates kept: N = 2B):
 *   μ = (1/N) Σ_n x_n,   C = (1/N) Σ_n (x_n − μ)(x_n − μ)ᵀ   (population covariance, d × d),
 *   loss = Σ_{j≠k} C_jk = Σ_{j,k} C_jk − trace(C).
 * The entries are signed (not squared), as in the reference; C is positive semi-definite, so the
 * sum is bounded below by −trace(C). Computed without forming C: with c_n = x_n − μ,
 *   Σ_{j,k} C_jk = (1/N) Σ_n (Σ_j c_nj)²   and   trace(C) = (1/N) Σ_n ‖c_n‖².
 */
export function offDiagonalCovariance(x: Value): Value {
  const centred = G.sub(x, G.reduceMean(x, [0], true));
  const all = G.reduceMean(G.square(G.reduceSum(centred, [1])));
  const trace = G.reduceSum(G.reduceMean(G.square(centred), [0]));
  return G.sub(all, trace);
}
