// Exact t-SNE (van der Maaten & Hinton 2008) for a few thousand points: Gaussian affinities
// calibrated per point to a perplexity by bisection on the precision, symmetrised; Student-t
// similarities in 2-D; the exact O(n²) gradient with early exaggeration, momentum and per-coordinate
// gains (the update of the authors' reference implementation). Deterministic for a seed.
import { Rng } from '../data/rng.ts';

export interface TsneOptions {
  perplexity: number;
  iterations: number;
  seed: number;
  /** Default max(n / exaggeration, 200) (Belkina et al. 2019, as openTSNE's "auto"). */
  learningRate?: number;
  exaggeration?: number;
  /** Iterations with exaggeration and momentum 0.5 (then momentum 0.8). */
  earlyIterations?: number;
}

/** Squared Euclidean distances between the rows of x [n, d], as a dense n × n matrix. */
export function squaredDistances(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x[i * d + k] - x[j * d + k];
        s += diff * diff;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * Row i of the conditional affinities p_{j|i} ∝ exp(−β_i d_ij) with β_i found by bisection so the
 * row's entropy (nats) equals ln(perplexity). Returns the row-normalised matrix.
 */
export function conditionalAffinities(dist: Float64Array, n: number, perplexity: number): Float64Array {
  if (!(perplexity < n)) throw new RangeError(`t-SNE: perplexity ${perplexity} must be below the number of points ${n}`);
  const p = new Float64Array(n * n);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = 0;
    let hi = Infinity;
    const row = i * n;
    let minD = Infinity;
    for (let j = 0; j < n; j++) if (j !== i && dist[row + j] < minD) minD = dist[row + j];
    for (let step = 0; step < 100; step++) {
      // Shifting by the nearest distance keeps exp() from underflowing for far-apart data.
      let sum = 0;
      let weighted = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) { p[row + j] = 0; continue; }
        const e = Math.exp(-beta * (dist[row + j] - minD));
        p[row + j] = e;
        sum += e;
        weighted += e * (dist[row + j] - minD);
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      for (let j = 0; j < n; j++) p[row + j] /= sum;
      const gap = entropy - target;
      if (Math.abs(gap) < 1e-5) break;
      if (gap > 0) { lo = beta; beta = hi === Infinity ? beta * 2 : (beta + hi) / 2; } else { hi = beta; beta = (beta + lo) / 2; }
    }
  }
  return p;
}

/** Entropy (nats) of row i of a row-stochastic matrix. */
export function rowEntropy(p: Float64Array, n: number, i: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) { const v = p[i * n + j]; if (v > 0) h -= v * Math.log(v); }
  return h;
}

/** 2-D embedding of the rows of x [n, d]: Float64Array [n, 2]. */
export function tsne(x: ArrayLike<number>, n: number, d: number, o: TsneOptions): Float64Array {
  const exaggeration = o.exaggeration ?? 12;
  const early = o.earlyIterations ?? Math.min(250, Math.floor(o.iterations / 3));
  const lr = o.learningRate ?? Math.max(n / exaggeration, 200);
  const cond = conditionalAffinities(squaredDistances(x, n, d), n, o.perplexity);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) P[i * n + j] = Math.max((cond[i * n + j] + cond[j * n + i]) / (2 * n), 1e-12);
  const rng = new Rng(o.seed);
  const Y = Float64Array.from({ length: n * 2 }, () => rng.normal() * 1e-4);
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const num = new Float64Array(n * n);
  for (let it = 0; it < o.iterations; it++) {
    const exag = it < early ? exaggeration : 1;
    const momentum = it < early ? 0.5 : 0.8;
    let Z = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = Y[2 * i] - Y[2 * j];
        const dy = Y[2 * i + 1] - Y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        num[i * n + j] = q;
        Z += 2 * q;
      }
    }
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const q = num[i * n + j];
        const coef = (exag * P[i * n + j] - q / Z) * q;
        const gx = coef * (Y[2 * i] - Y[2 * j]);
        const gy = coef * (Y[2 * i + 1] - Y[2 * j + 1]);
        grad[2 * i] += gx; grad[2 * i + 1] += gy;
        grad[2 * j] -= gx; grad[2 * j + 1] -= gy;
      }
    }
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
 * label, averaged over labelled points: how tightly categories cluster (1 = perfectly).
 */
export function neighbourAgreement(x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, k: number): number {
  const dist = squaredDistances(x, n, d);
  let total = 0;
  let counted = 0;
  const order = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    if (labels[i] < 0) continue;
    const nearest = order.filter((j) => j !== i && labels[j] >= 0).sort((a, b) => dist[i * n + a] - dist[i * n + b]).slice(0, k);
    if (!nearest.length) continue;
    total += nearest.filter((j) => labels[j] === labels[i]).length / nearest.length;
    counted++;
  }
  return counted ? total / counted : NaN;
}
