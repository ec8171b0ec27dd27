// Full-ranking top-K on ORT against a brute-force JS sort; masking, ties and chunking; evaluate().
import test from 'node:test';
import assert from 'node:assert/strict';
import { topK, dotScorer, excludedPairs, defaultChunk } from '../../src/eval/ranking.ts';
import { evaluate, usersWithItems } from '../../src/eval/evaluate.ts';
import { computeMetrics } from '../../src/eval/metrics.ts';
import { type Csr } from '../../src/data/dataset.ts';
import { Rng } from '../../src/data/rng.ts';
import { csrOf, disc, assertClose } from './helpers.ts';

const [U, I, D] = [37, 53, 4];

/** Small-integer embeddings: float32 dot products are exact (and tie often). */
function integerTable(rng: Rng, rows: number): Float32Array {
  return Float32Array.from({ length: rows * D }, () => rng.nextInt(7) - 3);
}

/** Disjoint random train/valid rows; users 0..7 (the first chunk of 8) have none at all. */
function randomSplits(rng: Rng): { train: Csr; valid: Csr } {
  const train: number[][] = [];
  const valid: number[][] = [];
  for (let u = 0; u < U; u++) {
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < I && u >= 8; i++) {
      const x = rng.nextFloat();
      if (x < 0.15) t.push(i);
      else if (x < 0.2) v.push(i);
    }
    train.push(t);
    valid.push(v);
  }
  return { train: csrOf(train), valid: csrOf(valid) };
}

/** Reference: sort the non-excluded items by (score desc, item asc) — ONNX TopK's documented tie order. */
function bruteForceTopK(ue: Float32Array, ie: Float32Array, users: Int32Array, exclude: Csr[], k: number) {
  const items = new Int32Array(users.length * k).fill(-1);
  const scores = new Float32Array(users.length * k).fill(-Infinity);
  users.forEach((u, r) => {
    const banned = new Set(exclude.flatMap((c) => [...c.indices.subarray(c.indptr[u], c.indptr[u + 1])]));
    const ranked = [];
    for (let i = 0; i < I; i++) {
      if (banned.has(i)) continue;
      let s = 0;
      for (let d = 0; d < D; d++) s += ue[u * D + d] * ie[i * D + d];
      ranked.push({ i, s });
    }
    ranked.sort((a, b) => b.s - a.s || a.i - b.i);
    ranked.slice(0, k).forEach(({ i, s }, j) => { items[r * k + j] = i; scores[r * k + j] = s; });
  });
  return { items, scores };
}

test('topK through ONNX equals a brute-force sort (37 users × 53 items, chunks of 8, train+valid masked)', async () => {
  const rng = new Rng(11);
  const ue = integerTable(rng, U);
  const ie = integerTable(rng, I);
  const { train, valid } = randomSplits(rng);
  const users = Int32Array.from({ length: U }, (_, j) => (j * 17) % U); // a permutation: rows ≠ ids
  const got = await topK(dotScorer(ue, ie, U, I, D), users, [train, valid], 10, { chunk: 8 });
  const want = bruteForceTopK(ue, ie, users, [train, valid], 10);
  assert.deepEqual([...got.items], [...want.items]);
  assert.deepEqual([...got.scores], [...want.scores]);
  const ties = users.length * 10 - new Set(Array.from(want.scores, (s, j) => `${Math.floor(j / 10)}:${s}`)).size;
  assert.ok(ties > 50, `the problem should exercise ties (got ${ties})`);
});

test('a chunk without excluded pairs (M = 0) and a single chunk give the same lists as many chunks', async () => {
  const rng = new Rng(3);
  const scorer = dotScorer(integerTable(rng, U), integerTable(rng, I), U, I, D);
  const { train } = randomSplits(rng);
  const users = Int32Array.from({ length: U }, (_, j) => j);
  const noMask = await topK(scorer, users.subarray(0, 8), [train], 5, { chunk: 8 });
  assert.equal(excludedPairs(users, 0, 8, [train]).length, 0);
  assert.ok(noMask.items.every((i) => i >= 0));
  const whole = await topK(scorer, users, [train], 5, { chunk: 1000 });
  const chunked = await topK(scorer, users, [train], 5, { chunk: 3, threads: 1 });
  assert.deepEqual([...chunked.items], [...whole.items]);
  assert.deepEqual([...whole.items.subarray(0, 40)], [...noMask.items]);
});

test('excluded pairs are de-duplicated across CSRs and numbered by row within the chunk', () => {
  const a = csrOf([[1], [0, 2], [4]]);
  const b = csrOf([[], [2, 3], []]);
  const pairs = excludedPairs(Int32Array.from([2, 1, 0]), 1, 3, [a, b]);
  assert.deepEqual([...pairs].map(Number), [0, 0, 0, 2, 0, 3, 1, 1]);
});

test('ties come back in item order, masking removes exactly the masked items, unrankable slots are −1', async () => {
  // One user, six items: item 4 scores 2, the rest tie at 1; items 1 and 4 are masked.
  const scorer = dotScorer(Float32Array.from([1]), Float32Array.from([1, 1, 1, 1, 2, 1]), 1, 6, 1);
  const r = await topK(scorer, Int32Array.from([0]), [csrOf([[1, 4]])], 6);
  assert.deepEqual([...r.items], [0, 2, 3, 5, -1, -1]);
  assert.deepEqual([...r.scores], [1, 1, 1, 1, -Infinity, -Infinity]);
  await assert.rejects(topK(scorer, Int32Array.from([0]), [], 7), /exceeds the number of items/);
});

test('evaluate scores the ranking topK returned: ties, train masking for valid, train+valid for test', async () => {
  // User 0: item 4 is best but seen in training; items 0, 2, 3, 5 tie (ranked 0, 2, 3, 5), test {3, 5}.
  // User 1: its valid item 0 must be excluded when scoring test; test {2}.
  const scorer = dotScorer(Float32Array.from([1, 1]), Float32Array.from([1, 1, 1, 1, 2, 1]), 2, 6, 1);
  const ds = { csr: { train: csrOf([[1, 4], []]), valid: csrOf([[], [0]]), test: csrOf([[3, 5], [2]]) } };
  const rep = await evaluate(scorer, ds, 'test', { ks: [2, 4] });
  assert.deepEqual([...rep.users], [0, 1]);
  // User 0, ranking [0, 2, 3, 5]: hits at ranks 3 and 4. User 1, ranking [4, 1, 2, 3]: hit at rank 3.
  assert.deepEqual([...rep.perUser['recall@2']], [0, 0]);
  assert.deepEqual([...rep.perUser['recall@4']], [1, 1]);
  assertClose(rep.perUser['ndcg@4'][0], (disc(3) + disc(4)) / (disc(1) + disc(2)), 'user 0 ndcg@4');
  assertClose(rep.perUser['ndcg@4'][1], disc(3), 'user 1 ndcg@4');
  assertClose(rep.perUser['map@4'][0], (1 / 3 + 2 / 4) / 2, 'user 0 map@4');
  const { items } = await topK(scorer, rep.users, [ds.csr.train, ds.csr.valid], 4);
  assert.deepEqual([...items], [0, 2, 3, 5, 4, 1, 2, 3]);
  assert.deepEqual(computeMetrics({ users: rep.users, items, k: 4 }, ds.csr.test, { ks: [2, 4] }), rep);
  // On 'valid' only user 1 has ground truth and its valid item 0 is rankable: ranking [4, 0, 1, 2].
  const onValid = await evaluate(scorer, ds, 'valid', { ks: [1, 2] });
  assert.deepEqual([...onValid.users], [1]);
  assert.equal(onValid.means['recall@1'], 0);
  assert.equal(onValid.means['recall@2'], 1);
});

test('sgfd-grcn masking scores seen items 1e-5: with negative scores they outrank unseen items', async () => {
  // Scores −1, −2, −3 for items 0, 1, 2; item 0 is a training item, item 1 the test item.
  const scorer = dotScorer(Float32Array.from([-1]), Float32Array.from([1, 2, 3]), 1, 3, 1);
  const ds = { csr: { train: csrOf([[0]]), valid: csrOf([[]]), test: csrOf([[1]]) } };
  const standard = await evaluate(scorer, ds, 'test', { ks: [1] });
  const grcn = await evaluate(scorer, ds, 'test', { ks: [1], compat: 'sgfd-grcn' });
  assert.equal(standard.means['recall@1'], 1);
  assert.equal(grcn.means['recall@1'], 0);
  const masked = await topK(scorer, Int32Array.from([0]), [ds.csr.train], 3, { maskValue: 1e-5 });
  assert.deepEqual([...masked.items], [0, 1, 2]);
  assert.equal(masked.scores[0], Math.fround(1e-5));
});

test('usersWithItems lists the users holding items; the default chunk keeps scores ≤ 16 MiB', () => {
  assert.deepEqual([...usersWithItems(csrOf([[], [3], [], [1, 2]]))], [1, 3]);
  assert.equal(defaultChunk(1024), 4096);
  assert.ok(defaultChunk(1425) * 1425 * 4 <= 16 * 1024 * 1024);
  assert.equal(defaultChunk(1e9), 1);
});
