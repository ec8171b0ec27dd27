// Ranking metrics on hand-computed rankings: standard definitions and the two reference variants.
import test from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, type Ranking } from '../../src/eval/metrics.ts';
import { csrOf, disc, assertClose } from './helpers.ts';

// Users 0..3, ranked lists of width 4, ground truth below.
//   user 0: truth {2, 5}           ranking [5, 1, 2, 7]   hits at ranks 1, 3
//   user 1: truth {} (excluded)    ranking [0, 1, 2, 3]
//   user 2: truth {9} (|T| < K)    ranking [0, 9, 3, 4]   hit at rank 2
//   user 3: truth {1,3,4,6,8}      ranking [0, 2, 8, −1]  hit at rank 3, empty last slot
const truth = csrOf([[2, 5], [], [9], [1, 3, 4, 6, 8]]);
const ranking: Ranking = {
  users: Int32Array.from([0, 1, 2, 3]),
  items: Int32Array.from([5, 1, 2, 7, 0, 1, 2, 3, 0, 9, 3, 4, 0, 2, 8, -1]),
  k: 4,
};
const ks = [2, 4];
const idcg = (n: number) => Array.from({ length: n }, (_, j) => disc(j + 1)).reduce((s, x) => s + x, 0);

function assertPerUser(values: Float64Array, expected: number[], what: string): void {
  assert.equal(values.length, expected.length, `${what}: number of users`);
  expected.forEach((e, j) => assertClose(values[j], e, `${what} (user row ${j})`));
}

test('standard metrics equal the hand-computed values; a user without ground truth is excluded', () => {
  const r = computeMetrics(ranking, truth, { ks });
  assert.deepEqual([...r.users], [0, 2, 3]);
  assert.equal(r.compat, 'standard');
  const expected: Record<string, number[]> = {
    'recall@2': [1 / 2, 1, 0],
    'recall@4': [1, 1, 1 / 5],
    'precision@2': [1 / 2, 1 / 2, 0],
    'precision@4': [2 / 4, 1 / 4, 1 / 4],
    'hit@2': [1, 1, 0],
    'hit@4': [1, 1, 1],
    'ndcg@2': [1 / (1 + 1 / Math.log2(3)), (1 / Math.log2(3)) / 1, 0],
    'ndcg@4': [(1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)), 1 / Math.log2(3), (1 / 2) / (1 + 1 / Math.log2(3) + 1 / 2 + 1 / Math.log2(5))],
    'map@2': [(1 / 1) / 2, (1 / 2) / 1, 0],
    'map@4': [(1 / 1 + 2 / 3) / 2, (1 / 2) / 1, (1 / 3) / 4],
  };
  assert.deepEqual(Object.keys(r.perUser).sort(), Object.keys(expected).sort());
  for (const [key, values] of Object.entries(expected)) {
    assertPerUser(r.perUser[key], values, key);
    assertClose(r.means[key], values.reduce((s, v) => s + v, 0) / 3, `mean ${key}`);
  }
  assertClose(r.means['recall@2'], 0.5, 'recall@2 mean');
  assertClose(r.means['ndcg@4'], (0.9197207891481876 + 0.6309297535714575 + 0.19519002499605084) / 3, 'ndcg@4 mean', 1e-12);
});

test('default cut-offs are 10, 20, 50 and metric keys are name@K', () => {
  const wide: Ranking = { users: Int32Array.from([0]), items: Int32Array.from({ length: 50 }, (_, j) => j), k: 50 };
  const r = computeMetrics(wide, csrOf([[0, 30]]));
  assert.deepEqual(r.ks, [10, 20, 50]);
  for (const name of ['recall', 'ndcg', 'precision', 'hit', 'map']) for (const k of [10, 20, 50]) assert.ok(`${name}@${k}` in r.means);
  assert.equal(r.means['recall@20'], 0.5);
  assert.equal(r.means['recall@50'], 1);
  assertClose(r.means['ndcg@50'], (disc(1) + disc(31)) / idcg(2), 'ndcg@50');
});

test('the metrics follow the ranking they are given (a reversed tie order changes them)', () => {
  const one = (items: number[]) => computeMetrics({ users: Int32Array.from([0]), items: Int32Array.from(items), k: 4 }, csrOf([[3]]), { ks: [2] });
  assert.equal(one([0, 3, 1, 2]).means['recall@2'], 1);
  assert.equal(one([1, 2, 0, 3]).means['recall@2'], 0);
});

test('cut-offs beyond the ranking width and ragged rankings are rejected', () => {
  assert.throws(() => computeMetrics(ranking, truth, { ks: [5] }), /cut-off 5/);
  assert.throws(() => computeMetrics({ ...ranking, k: 3 }, truth, { ks: [2] }), /expected 4 users/);
});

test('sgfd-grcn: ideal DCG from the number of hits inflates NDCG; recall/precision/hit/map unchanged', () => {
  const std = computeMetrics(ranking, truth, { ks });
  const grcn = computeMetrics(ranking, truth, { ks, compat: 'sgfd-grcn' });
  // user 0 @2: one hit at rank 1 → DCG 1 / IDCG(1 hit) = 1 (standard divides by IDCG of 2 positions).
  // user 3 @4: one hit at rank 3 → (1/2) / 1 (standard divides by IDCG of 4 positions).
  assertPerUser(grcn.perUser['ndcg@2'], [1, disc(2), 0], 'grcn ndcg@2');
  assertPerUser(grcn.perUser['ndcg@4'], [(disc(1) + disc(3)) / idcg(2), disc(2), disc(3)], 'grcn ndcg@4');
  assert.ok(grcn.means['ndcg@2'] > std.means['ndcg@2'] + 0.1);
  assert.ok(grcn.means['ndcg@4'] > std.means['ndcg@4'] + 0.1);
  for (const key of ['recall@2', 'recall@4', 'precision@4', 'hit@2', 'map@4']) assert.equal(grcn.means[key], std.means[key], key);
});

test('sgfd-bm3: micro-averaged recall and NDCG with hits in the first K−1 ranks over DCG of the whole list', () => {
  const std = computeMetrics(ranking, truth, { ks });
  const bm3 = computeMetrics(ranking, truth, { ks, compat: 'sgfd-bm3' });
  // Recall: Σ hits / Σ |test| = (1 + 1 + 0) / (2 + 1 + 5) at 2; (2 + 1 + 1) / 8 at 4.
  assertClose(bm3.means['recall@2'], 2 / 8, 'bm3 recall@2');
  assertClose(bm3.means['recall@4'], 4 / 8, 'bm3 recall@4');
  assertClose(std.means['recall@2'], (1 / 2 + 1 + 0) / 3, 'standard recall@2');
  assertPerUser(bm3.perUser['recall@2'], [1 / (8 / 3), 1 / (8 / 3), 0], 'bm3 per-user recall@2 (hits / mean |test|)');
  // NDCG@2 counts hits in rank 1 only, but sums DCG over all 4 ranks:
  //   user 0: 1 hit (rank 1) → (1 + 1/log2 4) / 1 = 1.5 (> 1); user 2 (hit at rank 2) and user 3: 0.
  assertPerUser(bm3.perUser['ndcg@2'], [disc(1) + disc(3), 0, 0], 'bm3 ndcg@2');
  assertClose(bm3.means['ndcg@2'], 0.5, 'bm3 ndcg@2 mean');
  // NDCG@4 counts hits in ranks 1..3: user 0 two hits, users 2 and 3 one hit each.
  assertPerUser(bm3.perUser['ndcg@4'], [(disc(1) + disc(3)) / idcg(2), disc(2), disc(3)], 'bm3 ndcg@4');
  for (const key of ['precision@2', 'hit@4', 'map@4']) assert.equal(bm3.means[key], std.means[key], key);
});

test('an evaluation without any user holding ground truth yields empty arrays and NaN means', () => {
  const r = computeMetrics(ranking, csrOf([[], [], [], []]), { ks: [2] });
  assert.equal(r.users.length, 0);
  assert.equal(r.perUser['recall@2'].length, 0);
  assert.ok(Number.isNaN(r.means['recall@2']));
});
