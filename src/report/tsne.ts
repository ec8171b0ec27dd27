// t-SNE (van der Maaten & Hinton 2008) for the plots step's maps of a few thousand points: input
// affinities calibrated to a perplexity (tsne-affinities.ts), Student-t similarities in 2-D, and
// gradient descent with early exaggeration, momentum and per-coordinate gains (the update of the
// authors' reference implementation). Two gradients (tsne-gradients.ts): Barnes-Hut (default;
// van der Maaten 2014: sparse kNN affinities, quadtree with θ = 0.5, O(n log n) per iteration) and
// exact (dense, O(n²) per iteration and memory). Deterministic for a seed, bit for bit.
import { Rng } from '../data/index.ts';
import { conditionalAffinities, nearestNeighbours, sparseAffinities, squaredDistances } from './tsne-affinities.ts';
import { barnesHutGradient, exactGradient, type Gradient } from './tsne-gradients.ts';

export { conditionalAffinities, rowEntropy, squaredDistances, sparseAffinities } from './tsne-affinities.ts';

export const TSNE_METHODS = ['barnes-hut', 'exact'] as const;
export type TsneMethod = (typeof TSNE_METHODS)[number];

export interface TsneOptions {
  perplexity: number;
  iterations: number;
  seed: number;
  /** Default 'barnes-hut'. */
  method?: TsneMethod;
  /** Barnes-Hut's accuracy: a cell with side / distance below θ acts as one point. Default 0.5. */
  theta?: number;
  /** Default max(n / exaggeration, 200) (Belkina et al. 2019, as openTSNE's "auto"). */
  learningRate?: number;
  exaggeration?: number;
  /** Iterations with exaggeration and momentum 0.5 (then momentum 0.8). */
  earlyIterations?: number;
}

/** 2-D embedding of the rows of x [n, d]: Float64Array [n, 2]. */
export function tsne(x: ArrayLike<number>, n: number, d: number, o: TsneOptions): Float64Array {
  const method = o.method ?? 'barnes-hut';
  if (method === 'exact') return descend(n, o, exactGradient(exactAffinities(x, n, d, o.perplexity), n));
  if (method === 'barnes-hut') return descend(n, o, barnesHutGradient(sparseAffinities(x, n, d, o.perplexity), n, o.theta ?? 0.5));
  throw new RangeError(`t-SNE: method '${method as string}' is not one of ${TSNE_METHODS.join(', ')}`);
}

/** The dense symmetric P_ij = (p_{j|i} + p_{i|j}) / 2n, floored at 1e-12. */
function exactAffinities(x: ArrayLike<number>, n: number, d: number, perplexity: number): Float64Array {
  const cond = conditionalAffinities(squaredDistances(x, n, d), n, perplexity);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) P[i * n + j] = Math.max((cond[i * n + j] + cond[j * n + i]) / (2 * n), 1e-12);
  return P;
}

/** Gradient descent from a seeded N(0, 1e-4²) start; the schedule is the same for both methods. */
function descend(n: number, o: TsneOptions, gradient: Gradient): Float64Array {
  const exaggeration = o.exaggeration ?? 12;
  const early = o.earlyIterations ?? Math.min(250, Math.floor(o.iterations / 3));
  const lr = o.learningRate ?? Math.max(n / exaggeration, 200);
  const rng = new Rng(o.seed);
  const Y = Float64Array.from({ length: n * 2 }, () => rng.normal() * 1e-4);
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  for (let it = 0; it < o.iterations; it++) {
    const exag = it < early ? exaggeration : 1;
    const momentum = it < early ? 0.5 : 0.8;
    gradient(Y, exag, grad);
    let mx = 0;
    let my = 0;
    for (let k = 0; k < 2 * n; k++) {
      gains[k] = Math.sign(grad[k]) !== Math.sign(update[k]) ? gains[k] + 0.2 : Math.max(gains[k] * 0.8, 0.01);
      update[k] = momentum * update[k] - lr * gains[k] * grad[k];
      Y[k] += update[k];
      if (k % 2 === 0) mx += Y[k]; else my += Y[k];
    }
    for (let i = 0; i < n; i++) { Y[2 * i] -= mx / n; Y[2 * i + 1] -= my / n; }
  }
  return Y;
}

/**
 * The share of each point's k nearest neighbours (Euclidean, in the given space) that carry its
 * label, averaged over labelled points (unlabelled ones, label < 0, are neither counted nor
 * neighbours; ties go to the lower index): how tightly categories cluster (1 = perfectly).
 */
export function neighbourAgreement(x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, k: number): number {
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] >= 0);
  const m = rows.length;
  if (m < 2 || k < 1) return NaN;
  const sub = new Float64Array(m * d);
  rows.forEach((i, r) => { for (let c = 0; c < d; c++) sub[r * d + c] = x[i * d + c]; });
  const kk = Math.min(k, m - 1);
  const nn = nearestNeighbours(sub, m, d, kk);
  let total = 0;
  for (let r = 0; r < m; r++) {
    let same = 0;
    for (let e = r * kk; e < (r + 1) * kk; e++) if (labels[rows[nn.index[e]]] === labels[rows[r]]) same++;
    total += same / kk;
  }
  return total / m;
}
