// The two ways a LightGCN-style layer propagates — over the edge list, or as dense products with the
// users × items block — against a plain-JS D^-1/2 A D^-1/2 · x, forward and gradient; and which one
// a graph gets.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { normalisedBipartite, propagator, chooseKind, denseBlock, type PropagationKind } from '../../src/backbones/propagation.ts';
import { tensor } from '../../src/runtime/session.ts';
import { runGraph, assertClose, uniform } from '../graph/harness.ts';

const [U, I, D] = [5, 4, 3];
const pairs: [number, number][] = [[0, 0], [0, 2], [1, 1], [2, 0], [2, 1], [2, 3], [3, 3], [4, 2]];
const users = Int32Array.from(pairs, (p) => p[0]);
const items = Int32Array.from(pairs, (p) => p[1]);

/** The normalised adjacency over [users; items], dense, computed here from the degrees. */
function referenceAdjacency(): number[][] {
  const deg = new Array(U + I).fill(0);
  for (const [u, i] of pairs) { deg[u]++; deg[U + i]++; }
  const a = Array.from({ length: U + I }, () => new Array(U + I).fill(0));
  for (const [u, i] of pairs) a[u][U + i] = a[U + i][u] = 1 / Math.sqrt(deg[u] * deg[U + i]);
  return a;
}
const times = (a: number[][], x: number[]) => a.flatMap((row) => Array.from({ length: D }, (_, k) => row.reduce((s, v, j) => s + v * x[j * D + k], 0)));

async function run(kind: PropagationKind, x: number[], c: number[]) {
  const g = new G.Graph();
  const xv = g.input('x', 'float32', [U + I, D]);
  const step = propagator(g, normalisedBipartite(U, I, users, items), kind);
  const out = step(step(xv));
  const loss = G.sumAll([G.reduceSum(G.mul(out, g.constant(c, 'float32', [U + I, D])), [0, 1], false)]);
  const [dx] = G.grad(loss, [xv]);
  g.output(out, 'out');
  g.output(dx, 'dx');
  const r = await runGraph(g, { x: tensor(Float32Array.from(x), [U + I, D]) });
  return { out: r.out.data as Float32Array, dx: r.dx.data as Float32Array };
}

for (const kind of ['edges', 'dense'] as const) {
  test(`propagation over ${kind}: two layers = A·A·x, gradient = Aᵀ·Aᵀ·c (A symmetric)`, async () => {
    const a = referenceAdjacency();
    const x = uniform((U + I) * D, 3);
    const c = uniform((U + I) * D, 4);
    const { out, dx } = await run(kind, x, c);
    assertClose(out, times(a, times(a, x)), 1e-5, 1e-6, 'forward');
    assertClose(dx, times(a, times(a, c)), 1e-5, 1e-6, 'gradient');
  });
}

test('the dense block holds R = D^-1/2 A D^-1/2 restricted to users × items', () => {
  const a = referenceAdjacency();
  const r = denseBlock(normalisedBipartite(U, I, users, items));
  assertClose(r, Array.from({ length: U * I }, (_, k) => a[Math.floor(k / I)][U + (k % I)]), 1e-6, 1e-7, 'R');
});

test('dense products from 4 % density on blocks up to 16 Mi entries, the edge list otherwise', () => {
  const graph = (nUsers: number, nItems: number, nnz: number) => {
    const u = Int32Array.from({ length: nnz }, (_, k) => k % nUsers);
    const i = Int32Array.from({ length: nnz }, (_, k) => Math.floor(k / nUsers) % nItems);
    return normalisedBipartite(nUsers, nItems, u, i);
  };
  assert.equal(chooseKind(graph(1858, 1425, 44327)), 'edges', 'Last.fm 2K: 1.7 %');
  assert.equal(chooseKind(graph(4874, 2406, 35000)), 'edges', 'the Office split: 0.3 %');
  assert.equal(chooseKind(graph(100, 100, 400)), 'dense', 'exactly 4 %');
  assert.equal(chooseKind(graph(100, 100, 399)), 'edges', 'just below');
  assert.equal(chooseKind(graph(5000, 4000, 1000000)), 'edges', '5 % but 20 Mi entries: too large to hold dense');
});

test('over edges, a node without interactions gets zero and passes no gradient (its huge normalisation factor never reaches a sum)', async () => {
  // Users 0..4 as above plus user 5 with no interactions.
  const g = new G.Graph();
  const n = U + 1 + I;
  const xv = g.input('x', 'float32', [n, D]);
  const step = propagator(g, normalisedBipartite(U + 1, I, users, items), 'edges');
  const out = step(xv);
  const [dx] = G.grad(G.reduceSum(G.mul(out, out), [0, 1], false), [xv]);
  g.output(out, 'out');
  g.output(dx, 'dx');
  const r = await runGraph(g, { x: tensor(Float32Array.from(uniform(n * D, 7)), [n, D]) });
  const row = (t: Float32Array, k: number) => Array.from(t.subarray(k * D, (k + 1) * D));
  assert.deepEqual(row(r.out.data as Float32Array, U), [0, 0, 0]);
  assert.deepEqual(row(r.dx.data as Float32Array, U), [0, 0, 0]);
  // The other nodes see the same graph as without the isolated user: user 0's output equals A·x's.
  const a = referenceAdjacency();
  const x = uniform(n * D, 7);
  const xWithout = [...x.slice(0, U * D), ...x.slice((U + 1) * D)];
  assertClose(row(r.out.data as Float32Array, 0), times(a, xWithout).slice(0, D), 1e-5, 1e-6, 'user 0');
});
