// Evaluation's top-K on the native kernel (a dot-product scorer, excluded items dropped) against the
// ONNX Runtime graph it replaces: the same items and metrics, scores to float rounding; a scorer that
// re-scores excluded items (GRCN's reference evaluator) or has no dot form stays on ONNX Runtime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopKSessions, dotScorer, evaluate, topK, GRCN_MASK_SCORE } from '../../src/eval/index.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';
import { csrOf } from './helpers.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

const rng = new Rng(21);
const [nUsers, nItems, dim] = [700, 90, 8]; // more users than one native chunk (512)
const table = (rows: number) => Float32Array.from({ length: rows * dim }, () => rng.normal());
const seen = () => csrOf(Array.from({ length: nUsers }, () => [...new Set(Array.from({ length: 5 }, () => rng.nextInt(nItems)))].sort((a, b) => a - b)));
const [train, valid, testSplit] = [seen(), seen(), seen()];
const users = Int32Array.from({ length: nUsers }, (_, u) => u);
const scorer = dotScorer(table(nUsers), table(nItems), nUsers, nItems, dim);
const onnx = { ...scorer, dot: undefined };

test('topK: a dot-product scorer ranks on the native kernel with the ONNX Runtime graph\'s items, ties to the lower item', { skip }, async () => {
  const sessions = new TopKSessions();
  try {
    const native = await topK(scorer, users, [train, valid], 20, { sessions });
    assert.equal(sessions.opened, 0, 'no ORT session');
    const graph = await topK(onnx, users, [train, valid], 20);
    assert.deepEqual(native.items, graph.items);
    native.scores.forEach((v, j) => assert.ok(Math.abs(v - graph.scores[j]) <= 1e-5 * Math.max(1, Math.abs(v)), `score ${j}: ${v} vs ${graph.scores[j]}`));
    // A user with fewer rankable items than k: −1 past them, on both.
    const few = dotScorer(Float32Array.of(1, 0), Float32Array.of(2, 0, 1, 0, 1, 0), 1, 3, 2);
    const fewTrain = csrOf([[0]]);
    assert.deepEqual(Array.from((await topK(few, Int32Array.of(0), [fewTrain], 3)).items), [1, 2, -1], 'items 1 and 2 tie: the lower first');
    assert.deepEqual(Array.from((await topK({ ...few, dot: undefined }, Int32Array.of(0), [fewTrain], 3)).items), [1, 2, -1]);
  } finally { await sessions.release(); }
});

test('evaluate: the same metrics from the native kernel and the ONNX Runtime graph; the GRCN mask stays on ONNX Runtime', { skip }, async () => {
  const ds = { csr: { train, valid, test: testSplit } };
  for (const split of ['valid', 'test'] as const) {
    assert.deepEqual((await evaluate(scorer, ds, split)).means, (await evaluate(onnx, ds, split)).means, split);
  }
  const sessions = new TopKSessions();
  try {
    const grcn = await evaluate(scorer, ds, 'valid', { compat: 'sgfd-grcn', sessions });
    assert.equal(sessions.opened, 1, `excluded items scored ${GRCN_MASK_SCORE} rank on the graph`);
    assert.deepEqual(grcn.means, (await evaluate(onnx, ds, 'valid', { compat: 'sgfd-grcn' })).means);
  } finally { await sessions.release(); }
});
