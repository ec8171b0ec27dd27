// t-SNE: affinities calibrated to the perplexity (dense, and sparse over the kNN); the Barnes-Hut
// gradient against the exact one; both methods separate clusters, Barnes-Hut's map scores as well
// as the exact one on the plots step's measure, and each is bit-identical for a seed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { tsne, conditionalAffinities, squaredDistances, rowEntropy, sparseAffinities, neighbourAgreement, TSNE_METHODS } from '../../src/report/tsne.ts';
import { barnesHutGradient, exactGradient } from '../../src/report/tsne-gradients.ts';
import { Rng } from '../../src/data/rng.ts';

/** `k` Gaussian clusters in `d` dimensions, `per` points each, centres N(0, spread²) apart. */
function clusters(k: number, per: number, d: number, seed: number, spread = 10): { x: Float64Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal() * spread));
  const x = new Float64Array(k * per * d);
  const labels = new Int32Array(k * per);
  for (let c = 0; c < k; c++) for (let p = 0; p < per; p++) {
    const row = c * per + p;
    labels[row] = c;
    for (let j = 0; j < d; j++) x[row * d + j] = centres[c][j] + rng.normal();
  }
  return { x, labels };
}

/** ‖a − b‖ / ‖b‖. */
function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) { num += (a[k] - b[k]) ** 2; den += b[k] ** 2; }
  return Math.sqrt(num / den);
}

const same = (a: Float64Array, b: Float64Array) => Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0;

test('t-SNE affinities: every row has entropy ln(perplexity)', () => {
  const { x } = clusters(3, 20, 5, 1);
  const n = 60;
  const p = conditionalAffinities(squaredDistances(x, n, 5), n, 12);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(rowEntropy(p, n, i) - Math.log(12)) < 1e-4, `row ${i}: entropy ${rowEntropy(p, n, i)}`);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += p[i * n + j];
    assert.ok(Math.abs(sum - 1) < 1e-9 && p[i * n + i] === 0);
  }
  assert.throws(() => conditionalAffinities(new Float64Array(4), 2, 5), /perplexity 5 must be below the number of points 2/);
});

test('sparse kNN affinities: symmetric, summing to 1, and the dense ones when every point is a neighbour', () => {
  const { x } = clusters(3, 30, 5, 2);
  const n = 90;
  const entry = (P: ReturnType<typeof sparseAffinities>, i: number, j: number) => {
    for (let e = P.start[i]; e < P.start[i + 1]; e++) if (P.cols[e] === j) return P.vals[e];
    return 0;
  };
  const sparse = sparseAffinities(x, n, 5, 5); // 15 neighbours each
  let total = 0;
  for (let i = 0; i < n; i++) {
    assert.ok(sparse.start[i + 1] - sparse.start[i] >= 15, `row ${i} holds at least its own 15 neighbours`);
    for (let e = sparse.start[i]; e < sparse.start[i + 1]; e++) {
      assert.notEqual(sparse.cols[e], i);
      assert.equal(entry(sparse, sparse.cols[e], i), sparse.vals[e], `P[${i}, ${sparse.cols[e]}] = P[${sparse.cols[e]}, ${i}]`);
      total += sparse.vals[e];
    }
  }
  assert.ok(Math.abs(total - 1) < 1e-12, `Σ P = ${total}`);
  const cond = conditionalAffinities(squaredDistances(x, n, 5), n, 29);
  const full = sparseAffinities(x, n, 5, 29); // ⌊3 · 29⌋ ≥ n − 1: every other point
  // Equal up to where the bisection stops (|entropy − ln perplexity| < 1e-5): Σ |ΔP| is tiny.
  let l1 = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j !== i) l1 += Math.abs(entry(full, i, j) - (cond[i * n + j] + cond[j * n + i]) / (2 * n));
  assert.ok(l1 < 1e-4, `Σ |P_sparse − P_dense| = ${l1}`);
});

test('Barnes-Hut gradient: the exact one at θ = 0, within a few percent at θ = 0.5, finite when points coincide', () => {
  const { x } = clusters(4, 50, 6, 5, 3);
  const n = 200;
  const P = sparseAffinities(x, n, 6, (n - 1) / 3); // dense: the two gradients differ only by the tree
  const dense = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let e = P.start[i]; e < P.start[i + 1]; e++) dense[i * n + P.cols[e]] = P.vals[e];
  const rng = new Rng(9);
  const Y = Float64Array.from({ length: 2 * n }, () => rng.normal() * 5);
  const grad = (g: (y: Float64Array, e: number, out: Float64Array) => void, y = Y) => { const out = new Float64Array(2 * n); g(y, 4, out); return out; };
  const exact = grad(exactGradient(dense, n));
  assert.ok(relativeError(grad(barnesHutGradient(P, n, 0)), exact) < 1e-12);
  const approx = relativeError(grad(barnesHutGradient(P, n, 0.5)), exact);
  assert.ok(approx > 0 && approx < 0.1, `θ = 0.5: relative error ${approx}`);
  // Three stacks of identical points, and every point at the origin (the tree must stop splitting).
  const stacked = Float64Array.from({ length: 2 * n }, (_, k) => (k % 2 ? 0 : Math.floor(k / 2) % 3));
  assert.ok(grad(barnesHutGradient(P, n, 0.5), stacked).every(Number.isFinite));
  assert.ok(relativeError(grad(barnesHutGradient(P, n, 0), stacked), grad(exactGradient(dense, n), stacked)) < 1e-12);
  assert.ok(grad(barnesHutGradient(P, n, 0.5), new Float64Array(2 * n)).every((v) => v === 0));
});

test('both t-SNE methods keep well-separated clusters apart in 2-D', () => {
  const { x, labels } = clusters(4, 25, 10, 7);
  for (const method of TSNE_METHODS) {
    const y = tsne(x, 100, 10, { perplexity: 10, iterations: 300, seed: 3, method });
    assert.ok(y.every(Number.isFinite));
    const agreement = neighbourAgreement(y, 100, 2, labels, 5);
    assert.ok(agreement > 0.95, `${method}: 5-NN label agreement in the map ${agreement}`);
    // Shuffled labels agree only by chance (≈ 1/4): the measure can fail.
    const shuffled = new Rng(1).shuffle(Int32Array.from(labels));
    assert.ok(neighbourAgreement(y, 100, 2, shuffled, 5) < 0.5);
  }
  assert.throws(() => tsne(x, 100, 10, { perplexity: 10, iterations: 300, seed: 3, method: 'fast' as never }), /method 'fast' is not one of barnes-hut, exact/);
});

test('Barnes-Hut on 400 points in 4 overlapping clusters: its map\'s 10-NN same-category share is the exact map\'s (± 0.05), far above chance; bit-identical per seed', () => {
  const { x, labels } = clusters(4, 100, 10, 11, 1);
  const o = { perplexity: 30, iterations: 500, seed: 4 };
  const bh = tsne(x, 400, 10, { ...o, method: 'barnes-hut' });
  const exact = tsne(x, 400, 10, { ...o, method: 'exact' });
  const [bhShare, exactShare] = [bh, exact].map((y) => neighbourAgreement(y, 400, 2, labels, 10));
  assert.ok(bhShare >= exactShare - 0.05, `barnes-hut ${bhShare} vs exact ${exactShare}`);
  assert.ok(bhShare >= 0.6, `barnes-hut ${bhShare}: chance is 0.25`);
  assert.ok(!same(bh, exact), 'the two methods do differ');
  assert.ok(same(tsne(x, 400, 10, { ...o, method: 'barnes-hut' }), bh), 'barnes-hut: bit-identical on a second run');
  assert.ok(same(tsne(x, 400, 10, { ...o, method: 'exact' }), exact), 'exact: bit-identical on a second run');
  assert.ok(!same(tsne(x, 400, 10, { ...o, seed: 5 }), bh), 'another seed, another map');
});

test('neighbourAgreement leaves unlabelled points out and breaks distance ties by index', () => {
  // On a line: 0 at x=0 (label 0), 1 at x=1 (label 1), 2 at x=−1 (label 0), 3 at x=0.5 (unlabelled).
  const x = [0, 1, -1, 0.5];
  const labels = [0, 1, 0, -1];
  // k = 1: point 0's tie (1 and 2 at distance 1) goes to 1 (different); 1 → 0 (different); 2 → 0 (same).
  assert.equal(neighbourAgreement(x, 4, 1, labels, 1), 1 / 3);
  // k larger than the labelled others: each point's 2 labelled neighbours.
  assert.equal(neighbourAgreement(x, 4, 1, labels, 10), (1 / 2 + 0 + 1 / 2) / 3);
  assert.ok(Number.isNaN(neighbourAgreement([0, 1], 2, 1, [0, -1], 5)));
});
