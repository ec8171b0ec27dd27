// Edge-valued sums and dot products over build-time edge lists (edge-lists.ts): values against plain
// JS and gradients against finite differences, for owners with no edges, one edge and many (several
// bucket widths), repeated (owner, row) pairs, values shaped [E] and [E, 1]; a layout split into
// pieces sums the same; bad lists are refused naming the edge.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import * as R from './reference.ts';
import { tensor } from '../../src/runtime/session.ts';
import { checkOp, f64, rng, uniform, runGraph, assertClose } from './harness.ts';

/** Owner o gets (o · 3) mod 7 edges (0 … 6; owners 0 and 7 none), rows seeded, pairs repeating. */
function randomEdges(numOwners: number, numRows: number, seed: number) {
  const r = rng(seed);
  const owner: number[] = [];
  const row: number[] = [];
  for (let o = 0; o < numOwners; o++) for (let k = 0; k < (o * 3) % 7; k++) { owner.push(o); row.push(Math.floor(r() * numRows)); }
  const order = owner.map((_, e) => e).sort(() => r() - 0.5);
  return { owner: order.map((e) => owner[e]), row: order.map((e) => row[e]) };
}

const [OWNERS, ROWS, D] = [9, 7, 3];
const { owner, row } = randomEdges(OWNERS, ROWS, 4);
const lists = G.edgeLists(owner, row, OWNERS, ROWS);
const E = owner.length;

const spmm = (data: R.T, w: R.T, numOwners: number, d: number): R.T =>
  R.build([numOwners, d], ([o, j]) => owner.reduce((s, oe, e) => (oe === o ? s + w.data[e] * data.data[row[e] * d + j] : s), 0));
const sddmm = (a: R.T, b: R.T, d: number): R.T =>
  R.build([E], ([e]) => Array.from({ length: d }, (_, j) => a.data[row[e] * d + j] * b.data[owner[e] * d + j]).reduce((p, q) => p + q, 0));

for (const wShape of [[E], [E, 1]]) {
  test(`weightedSumOfRows, weights [${wShape}]: sums and gradients (data and weights) exact`, async () => {
    await checkOp((_g, x) => G.weightedSumOfRows(x.data, x.w, lists), { data: f64([ROWS, D]), w: f64(wShape) },
      { ref: (x) => spmm(x.data, x.w, OWNERS, D) });
  });
}

test('rowDotsOfEdges: one dot product per edge, gradients to both tables exact', async () => {
  await checkOp((_g, x) => G.rowDotsOfEdges(x.a, x.b, lists), { a: f64([ROWS, D]), b: f64([OWNERS, D]) },
    { ref: (x) => sddmm(x.a, x.b, D) });
});

test('the transposed lists sum the other way: Σ over the edges leaving each row', async () => {
  const t = G.transposedEdges(lists);
  assert.equal(G.transposedEdges(t), lists, 'transposing twice gives the same lists');
  await checkOp((_g, x) => G.weightedSumOfRows(x.y, x.w, t), { y: f64([OWNERS, D]), w: f64([E]) },
    { ref: (x) => R.build([ROWS, D], ([r, j]) => row.reduce((s, re, e) => (re === r ? s + x.w.data[e] * x.y.data[owner[e] * D + j] : s), 0)) });
});

test('a layout split into pieces (rows of 16 KB) gives the same sums, dot products and gradients', async () => {
  // 24 owners × 32 edges over rows of 4,096 floats (16 KB): 8 owners per 4 MB piece, 3 pieces
  const [owners, rows, d, len] = [24, 40, 4096, 32];
  const r = rng(8);
  const own = Array.from({ length: owners * len }, (_, e) => Math.floor(e / len));
  const rw = own.map(() => Math.floor(r() * rows));
  const l = G.edgeLists(own, rw, owners, rows);
  const x = Float32Array.from(uniform(rows * d, 21));
  const w = Float32Array.from(uniform(own.length, 22));
  const proj = Float32Array.from(uniform(owners * d, 23));
  const g = new G.Graph();
  const xv = g.input('x', 'float32', [rows, d]);
  const wv = g.input('w', 'float32', [own.length]);
  const y = G.weightedSumOfRows(xv, wv, l);
  assert.equal(G.EDGE_PIECE_BYTES, 4 << 20);
  const count = (op: string) => g.nodes.filter((n) => n.op === op).length;
  assert.equal(count('MatMul'), 3, 'a batched product per piece');
  // The index tables come shaped for the pieces: no per-piece Unsqueeze or Reshape, one Reshape at the end.
  assert.equal(count('Unsqueeze'), 0);
  assert.equal(count('Reshape'), 1);
  const loss = G.reduceSum(G.mul(y, g.constant(proj, 'float32', [owners, d])));
  const [dx, dw] = G.grad(loss, [xv, wv]);
  g.output(y, 'y'); g.output(dx, 'dx'); g.output(dw, 'dw');
  const out = await runGraph(g, { x: tensor(x, [rows, d]), w: tensor(w, [own.length]) });
  const wantY = new Float64Array(owners * d);
  const wantDx = new Float64Array(rows * d);
  const wantDw = new Float64Array(own.length);
  own.forEach((o, e) => {
    for (let j = 0; j < d; j++) {
      wantY[o * d + j] += w[e] * x[rw[e] * d + j];
      wantDx[rw[e] * d + j] += w[e] * proj[o * d + j];
      wantDw[e] += x[rw[e] * d + j] * proj[o * d + j];
    }
  });
  assertClose(out.y.data as Float32Array, wantY, 1e-4, 1e-4, 'sums');
  assertClose(out.dx.data as Float32Array, wantDx, 1e-4, 1e-4, 'data gradient');
  assertClose(out.dw.data as Float32Array, wantDw, 1e-3, 1e-3, 'weight gradient (dot products of 4,096)');
});

test('edge lists refuse owners or rows out of range and an empty edge list, naming the edge', () => {
  assert.throws(() => G.edgeLists([0, 3], [0, 0], 3, 2), /owner\[1\] = 3 is outside \[0, 3\)/);
  assert.throws(() => G.edgeLists([0, 1], [0, 2], 3, 2), /row\[1\] = 2 is outside \[0, 2\)/);
  assert.throws(() => G.edgeLists([], [], 3, 2), /no edges/);
  const g = new G.Graph();
  assert.throws(() => G.weightedSumOfRows(g.input('x', 'float32', [ROWS, D]), g.input('w', 'float32', [E + 1]), lists), /one value per edge/);
});
