// One top-K session across evaluations (src/eval/topk-sessions.ts): the same graph reuses the held
// session and gives the same rankings as a fresh one; another graph (or thread count) replaces it.
// The scorers here rank on ONNX Runtime (no `dot`: where the native kernel is built, a dot-product
// scorer ranks on it and opens no session — test/eval/native-top-k.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopKSessions, dotScorer, evaluate, topK } from '../../src/eval/index.ts';
import { Rng } from '../../src/data/rng.ts';
import { csrOf } from './helpers.ts';

const rng = new Rng(9);
const [nUsers, nItems, dim] = [40, 60, 6];
const table = (rows: number) => Float32Array.from({ length: rows * dim }, () => rng.normal());
const train = csrOf(Array.from({ length: nUsers }, (_, u) => [u % nItems, (3 * u + 1) % nItems]));
const valid = csrOf(Array.from({ length: nUsers }, (_, u) => [(5 * u + 2) % nItems]));
const users = Int32Array.from({ length: nUsers }, (_, u) => u);
const onnxScorer = (...a: Parameters<typeof dotScorer>) => ({ ...dotScorer(...a), dot: undefined });

test('TopKSessions: the same graph reuses its session with the same rankings; new tables change nothing but the feeds', async () => {
  const sessions = new TopKSessions();
  try {
    for (let epoch = 0; epoch < 3; epoch++) {
      const scorer = onnxScorer(table(nUsers), table(nItems), nUsers, nItems, dim); // new values each "epoch"
      const fresh = await topK(scorer, users, [train], 10);
      const held = await topK(scorer, users, [train], 10, { sessions });
      assert.deepEqual(held.items, fresh.items, `epoch ${epoch}: items`);
      assert.deepEqual(held.scores, fresh.scores, `epoch ${epoch}: scores`);
      const ds = { csr: { train, valid, test: valid } };
      assert.deepEqual((await evaluate(scorer, ds, 'valid', { sessions, ks: [5, 10] })).means, (await evaluate(scorer, ds, 'valid', { ks: [5, 10] })).means, 'evaluate (k = 10: the same graph)');
    }
    assert.equal(sessions.opened, 1, 'one graph, one session');
    await topK(onnxScorer(table(nUsers), table(nItems), nUsers, nItems, dim), users, [train], 7, { sessions });
    assert.equal(sessions.opened, 2, 'another k is another graph');
    await topK(onnxScorer(table(nUsers), table(nItems), nUsers, nItems, dim), users, [train], 7, { sessions, threads: 1 });
    assert.equal(sessions.opened, 3, 'another thread count is another session');
  } finally {
    await sessions.release();
  }
});
