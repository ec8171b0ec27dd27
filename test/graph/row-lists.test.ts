// Sums of build-time row lists as padded gathers (row-lists.ts): bucket widths, padding bound, and
// values against plain JS for lists of every length from 0 to 40 (empty outputs, repeated rows), in
// output order and shuffled; graph propagation runs on it (test/backbones/propagation.test.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { bucketWidth, bucketsOf, piecesOf, PIECE_BYTES } from '../../src/graph/ops/row-lists.ts';
import { tensor } from '../../src/runtime/session.ts';
import { runGraph, assertClose, uniform, rng } from './harness.ts';

test('bucket widths run 1, 2, 3, 4, 6, 8, 12, 16, 24, … and pad a list by less than 1.5×', () => {
  assert.deepEqual(Array.from({ length: 13 }, (_, k) => bucketWidth(k + 1)), [1, 2, 3, 4, 6, 6, 8, 8, 12, 12, 12, 12, 16]);
  assert.deepEqual([17, 24, 25, 33, 49, 1000].map(bucketWidth), [24, 24, 32, 48, 64, 1024]);
  for (let n = 1; n <= 5000; n++) {
    const w = bucketWidth(n);
    assert.ok(w >= n && w < 1.5 * n + 1e-9, `n ${n} → width ${w}`);
  }
});

/** Lists of lengths 0 … 40 over `rows` data rows, with repeats, in a seeded order of outputs. */
function randomLists(rows: number, seed: number) {
  const r = rng(seed);
  const owner: number[] = [];
  const row: number[] = [];
  const lengths = Array.from({ length: 41 }, (_, n) => n).sort(() => r() - 0.5);
  lengths.forEach((n, o) => { for (let k = 0; k < n; k++) { owner.push(o); row.push(Math.floor(r() * rows)); } });
  const order = owner.map((_, k) => k).sort(() => r() - 0.5);
  return { owner: order.map((k) => owner[k]), row: order.map((k) => row[k]), outputs: lengths.length };
}

test('sumOfRows equals the plain sums of its lists: lengths 0 … 40, repeated rows, empty lists give zeros', async () => {
  const [rows, d] = [30, 3];
  const { owner, row, outputs } = randomLists(rows, 5);
  const lists = G.listsOfPairs(owner, row, outputs, rows);
  const buckets = bucketsOf(lists);
  assert.ok(buckets.length > 8, `${buckets.length} buckets`);
  const slots = buckets.reduce((s, b) => s + b.table.length, 0);
  assert.ok(slots < 1.5 * owner.length, `${slots} slots for ${owner.length} entries`);
  const x = uniform(rows * d, 11);
  const g = new G.Graph();
  g.output(G.sumOfRows(g.input('x', 'float32', [rows, d]), lists), 'out');
  const got = (await runGraph(g, { x: tensor(Float32Array.from(x), [rows, d]) })).out.data as Float32Array;
  const want = new Array(outputs * d).fill(0);
  owner.forEach((o, k) => { for (let j = 0; j < d; j++) want[o * d + j] += x[row[k] * d + j]; });
  assertClose(got, want, 1e-5, 1e-6, 'sums');
  const lengthZero = owner.length === 0 ? 0 : Array.from({ length: outputs }, (_, o) => o).find((o) => !owner.includes(o))!;
  assert.deepEqual(Array.from(got.subarray(lengthZero * d, (lengthZero + 1) * d)), [0, 0, 0]);
});

test('sumOfRows with lists already in bucket order needs no reordering and still sums right', async () => {
  const lists = G.listsOfPairs([0, 0, 1, 1, 2, 2], [3, 1, 0, 0, 2, 3], 3, 4);
  const g = new G.Graph();
  g.output(G.sumOfRows(g.input('x', 'float32', [4, 2]), lists), 'out');
  assert.equal(g.nodes.filter((n) => n.op === 'Gather').length, 1, 'one padded gather, no reordering gather');
  const got = (await runGraph(g, { x: tensor(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), [4, 2]) })).out.data as Float32Array;
  assert.deepEqual(Array.from(got), [7 + 3, 8 + 4, 1 + 1, 2 + 2, 5 + 7, 6 + 8]);
});

test('a large bucket is gathered in pieces of at most PIECE_BYTES, in order, and sums the same', async () => {
  assert.deepEqual(piecesOf(10, 1, 1 << 20), [10], '1-wide buckets sum nothing: one gather');
  assert.deepEqual(piecesOf(5, 32, PIECE_BYTES / 64), [2, 2, 1], 'two outputs of 32 rows fill a piece');
  assert.deepEqual(piecesOf(3, 2, 8), [3], 'small buckets stay whole');
  // 24 outputs of 32 rows each, rows of 4,096 floats (16 KB): 2 outputs per 1 MB piece → 12 pieces
  const [rows, d, outputs, len] = [50, 4096, 24, 32];
  const r = rng(3);
  const owner = Array.from({ length: outputs * len }, (_, k) => Math.floor(k / len));
  const row = owner.map(() => Math.floor(r() * rows));
  const lists = G.listsOfPairs(owner, row, outputs, rows);
  const x = uniform(rows * d, 12);
  const g = new G.Graph();
  g.output(G.sumOfRows(g.input('x', 'float32', [rows, d]), lists), 'out');
  assert.equal(g.nodes.filter((n) => n.op === 'ReduceSum').length, 12, 'ReduceSum per piece');
  const got = (await runGraph(g, { x: tensor(Float32Array.from(x), [rows, d]) })).out.data as Float32Array;
  const want = new Float64Array(outputs * d);
  owner.forEach((o, k) => { for (let j = 0; j < d; j++) want[o * d + j] += x[row[k] * d + j]; });
  assertClose(got, want, 1e-5, 1e-5, 'sums');
});

test('row lists reject an owner or row outside its range, naming the position', () => {
  assert.throws(() => G.listsOfPairs([0, 3], [0, 0], 3, 2), /owner\[1\] = 3 is outside \[0, 3\)/);
  assert.throws(() => G.listsOfPairs([0, 1], [0, 2], 3, 2), /row\[1\] = 2 is outside \[0, 2\)/);
});
