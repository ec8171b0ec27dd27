// Top-K on the native pair-score kernels (src/eval/pair-kernel-top-k.ts), hand-computed. Attentive: at
// d = 1 the attention is 1, so a score is −(u − v)² whatever the weights — ties go to the lower item,
// excluded items never rank, a user with fewer rankable items than k gets −1 / −∞, chunks of users
// keep their order, and a NaN score stops with the user and item. Tower: with a zero MLP tower the
// score is h·p·q + c.
import test from 'node:test';
import assert from 'node:assert/strict';
import { pairKernelTopK, type PairKernelSource } from '../../src/eval/index.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { csrOf } from './helpers.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

/** d = 1: user rows u, item rows [v ‖ p] (p only moves the attention, which d = 1 makes 1). */
function source(users: number[], v: number[]): PairKernelSource {
  return {
    kind: 'attentive', users: Float32Array.from(users), items: Float32Array.from(v.flatMap((x) => [x, 0.25])), userWidth: 1, itemWidth: 2,
    hiddenWeight: new Float32Array(15).fill(0.2), hiddenBias: new Float32Array(5), outWeight: new Float32Array(5).fill(0.1), outBias: new Float32Array(1), eps: 1e-12,
  };
}

test('attentive top-K: best first, ties to the lower item, excluded items skipped, −1 / −∞ when too few are left', { skip }, () => {
  // Items' v: 0, 1, 3, 1, 5 — user 0 at u = 1: scores −1, 0, −4, 0, −16; user 1 at u = 4: −16, −9, −1, −9, −1.
  const src = source([1, 4], [0, 1, 3, 1, 5]);
  const exclude = [csrOf([[1], [2, 4]])]; // user 0 has seen item 1; user 1 items 2 and 4
  const r = pairKernelTopK(kernels!, src, Int32Array.of(0, 1), exclude, 4, 1);
  assert.deepEqual(Array.from(r.items), [3, 0, 2, 4, 1, 3, 0, -1]);
  assert.deepEqual(Array.from(r.scores), [-0, -1, -4, -16, -9, -9, -16, -Infinity]);
  // One user at a time, in the order asked: the same rows.
  const back = pairKernelTopK(kernels!, src, Int32Array.of(1, 0), exclude, 4, 2);
  assert.deepEqual(Array.from(back.items), [1, 3, 0, -1, 3, 0, 2, 4]);
});

test('attentive top-K: a NaN score stops with the user and the item', { skip }, () => {
  const src = source([1], [0, Number.NaN, 2]);
  assert.throws(() => pairKernelTopK(kernels!, src, Int32Array.of(0), [], 2, 1), /^Error: score: user 0 \(dense id\), item 1: the pair's score is NaN/);
});

test('tower top-K: NeuMF\'s score ranks as the formula says (a zero tower leaves h·p·q + c), ties to the lower item', { skip }, () => {
  // d = 1, d2 = 1: users [p ‖ p′] = [1 ‖ 5] and [−2 ‖ 5]; items [q ‖ q′] with q = 3, −1, 3, 0.5. W1 = 0 and
  // b1 = b2 = 0 zero the tower; h = [2, 7], c = 0.5: user 0 scores 6.5, −1.5, 6.5, 1.5; user 1 −11.5, 4.5, −11.5, −1.5.
  const src: PairKernelSource = {
    kind: 'tower', users: Float32Array.of(1, 5, -2, 5), items: Float32Array.of(3, 1, -1, 1, 3, 1, 0.5, 1), userWidth: 2, itemWidth: 2,
    w1: new Float32Array(2), b1: new Float32Array(1), w2: Float32Array.of(1), b2: new Float32Array(1), predict: Float32Array.of(2, 7), bias: 0.5,
  };
  const r = pairKernelTopK(kernels!, src, Int32Array.of(0, 1), [csrOf([[2], []])], 3, 1);
  assert.deepEqual(Array.from(r.items), [0, 3, 1, 1, 3, 0]);
  assert.deepEqual(Array.from(r.scores), [6.5, 1.5, -1.5, 4.5, -1.5, -11.5]);
});
