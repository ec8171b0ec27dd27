// The native row ranker (native/pair_scores.cc rankRows: the top-K of a pair kernel's scores): every
// row against a sort of its non-excluded items (higher score first, equal scores by lower item) on
// rows full of ties, k from 1 to n, −1 / −∞ padding, the same outputs on 1–3 threads, the first NaN's
// flat index, and clear argument errors. Skips, saying why, when the module is not built — unless
// SGFD_REQUIRE_NATIVE=1 (CI builds it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

function rank(scores: Float32Array, n: number, k: number, ptr: Int32Array, excluded: Int32Array, threads: number) {
  const rows = scores.length / n;
  const items = new Int32Array(rows * k);
  const out = new Float32Array(rows * k);
  const nan = kernels!.rankRows(scores, n, k, ptr, excluded, threads, items, out);
  return { items, scores: out, nan };
}

test('rankRows: every row as a full sort of its non-excluded items would rank it, ties to the lower item, on 1–3 threads', { skip }, () => {
  const rng = new Rng(4);
  const [rows, n] = [9, 37];
  // Scores from a handful of values: most rows are full of ties.
  const scores = Float32Array.from({ length: rows * n }, () => Math.floor(rng.nextFloat() * 5) - 2);
  const lists = Array.from({ length: rows }, (_, r) => Array.from({ length: n }, (_, i) => i).filter(() => rng.nextFloat() < (r === 3 ? 0.9 : 0.2)));
  const ptr = Int32Array.from([0, ...lists.map((l, r) => lists.slice(0, r + 1).reduce((s, x) => s + x.length, 0))]);
  const excluded = Int32Array.from(lists.flat());
  for (const k of [1, 5, n]) {
    const want = lists.map((ex, r) => Array.from({ length: n }, (_, i) => i).filter((i) => !ex.includes(i))
      .sort((a, b) => scores[r * n + b] - scores[r * n + a] || a - b).slice(0, k));
    for (const threads of [1, 2, 3]) {
      const got = rank(scores, n, k, ptr, excluded, threads);
      assert.equal(got.nan, -1);
      for (let r = 0; r < rows; r++) {
        const items = Array.from({ length: k }, (_, j) => want[r][j] ?? -1);
        assert.deepEqual(Array.from(got.items.subarray(r * k, (r + 1) * k)), items, `k ${k}, threads ${threads}, row ${r}`);
        assert.deepEqual(Array.from(got.scores.subarray(r * k, (r + 1) * k)), items.map((i) => (i < 0 ? -Infinity : scores[r * n + i])));
      }
    }
  }
});

test('rankRows: the first NaN score (flat index) is reported; an excluded NaN is not', { skip }, () => {
  const scores = Float32Array.of(1, 2, 3, 4, NaN, 6, NaN, 8, 9);
  const none = new Int32Array(4);
  assert.equal(rank(scores, 3, 2, none, new Int32Array(0), 2).nan, 4);
  // Row 1 excludes its NaN (item 1): the first NaN left is row 2's item 0, flat index 6.
  assert.equal(rank(scores, 3, 2, Int32Array.of(0, 0, 1, 1), Int32Array.of(1), 1).nan, 6);
});

test('rankRows: argument errors name the kernel and the expectation', { skip }, () => {
  const s = new Float32Array(6);
  const out = () => [new Int32Array(4), new Float32Array(4)] as const;
  assert.throws(() => kernels!.rankRows(s, 4, 2, new Int32Array(3), new Int32Array(0), 1, ...out()), /^Error: rankRows: scores must be a Float32Array of whole rows of n ≥ 1$/);
  assert.throws(() => kernels!.rankRows(s, 3, 4, new Int32Array(3), new Int32Array(0), 1, ...out()), /^Error: rankRows: need 1 ≤ k ≤ n$/);
  assert.throws(() => kernels!.rankRows(s, 3, 2, Int32Array.of(0, 2, 1), Int32Array.of(0, 1), 1, ...out()), /^Error: rankRows: excludedPtr must run from 0 to excludedItems.length without decreasing$/);
  assert.throws(() => kernels!.rankRows(s, 3, 2, Int32Array.of(0, 2, 2), Int32Array.of(1, 0), 1, ...out()), /^Error: rankRows: each row's excluded items must be ascending items < n$/);
  assert.throws(() => kernels!.rankRows(s, 3, 2, Int32Array.of(0, 0, 0), new Int32Array(0), 1, new Int32Array(3), new Float32Array(4)), /^Error: rankRows: outItems \(Int32Array\) and outScores \(Float32Array\) must hold rows × k$/);
});
