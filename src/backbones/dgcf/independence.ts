// DGCF's independence term (Wang et al., SIGIR '20) as a graph: the sample distance
// correlation (Székely et al. 2007) between intent factors. For the rows x_i of x [n, p]:
//   a_ij       = √(‖x_i − x_j‖² + ε)   ‖·‖² = r_i + r_j − 2⟨x_i, x_j⟩ clamped at 0 (rounding can make it
//                                       slightly negative); ε keeps √'s gradient finite on the diagonal
//   A          = a − row means − column means + grand mean         (double centring)
//   dCov(x, y) = √(max(mean(A∘B), 0) + ε)   mean(A∘B) is dCov² (≥ 0 up to rounding)
//   dCor(x, y) = dCov(x, y) / √(dCov(x, x)·dCov(y, y) + ε)
// dCor lies in [0, 1]: 1 for y = x, near 0 for unrelated x and y. Memory is O(n²) per factor, which is
// why DGCF applies it to a sample of rows only.
import * as G from '../../graph/index.ts';
import { type Value } from '../../graph/index.ts';

/** Guards every square root and the dCor denominator (the reference's 1e-8). */
export const DCOR_EPS = 1e-8;

/** Double-centred pairwise distances [n, n] of the rows of x [n, p]. */
export function centredDistances(x: Value): Value {
  const sqNorms = G.reduceSum(G.square(x), [1], true);
  const inner = G.matmul(x, G.transposeLast(x));
  const sqDist = G.maximum(G.sub(G.add(sqNorms, G.transposeLast(sqNorms)), G.mul(inner, 2)), 0);
  const a = G.sqrt(G.add(sqDist, DCOR_EPS));
  const rowMeans = G.reduceMean(a, [1], true);
  const colMeans = G.reduceMean(a, [0], true);
  return G.add(G.sub(G.sub(a, rowMeans), colMeans), G.reduceMean(a));
}

/** dCov of two double-centred distance matrices (a scalar). */
export function distanceCovariance(A: Value, B: Value): Value {
  return G.sqrt(G.add(G.maximum(G.reduceMean(G.mul(A, B)), 0), DCOR_EPS));
}

/** dCor from the centred matrices A, B and their own dCovs (shared when one matrix is in many pairs). */
function correlation(A: Value, B: Value, covAA: Value, covBB: Value): Value {
  return G.div(distanceCovariance(A, B), G.sqrt(G.add(G.mul(covAA, covBB), DCOR_EPS)));
}

/** Sample distance correlation of the rows of x [n, p] and y [n, q] (a scalar). */
export function distanceCorrelation(x: Value, y: Value): Value {
  const [A, B] = [centredDistances(x), centredDistances(y)];
  return correlation(A, B, distanceCovariance(A, A), distanceCovariance(B, B));
}

/**
 * Mean dCor over all pairs k < k' of the K = `factors` column chunks of x [n, K·c] (DGCF's
 * per-intent chunks). Each chunk's centred matrix and own dCov are built once and shared by its pairs.
 */
export function factorIndependence(x: Value, factors: number): Value {
  const width = x.shape[1];
  if (!(factors >= 2 && typeof width === 'number' && width % factors === 0)) {
    throw new Error(`factorIndependence: needs ≥ 2 factors dividing the static width of ${x}, got ${factors}`);
  }
  const centred = G.split(x, Array(factors).fill(width / factors), 1).map(centredDistances);
  const ownCov = centred.map((A) => distanceCovariance(A, A));
  const pairs: Value[] = [];
  for (let k = 0; k < factors; k++) {
    for (let l = k + 1; l < factors; l++) pairs.push(correlation(centred[k], centred[l], ownCov[k], ownCov[l]));
  }
  return G.div(G.sumAll(pairs), pairs.length);
}
