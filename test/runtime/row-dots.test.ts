// The native row-dots kernel (native/row_sums_kernel.h dotRows): out[e] = ⟨x[index[e]], y[r]⟩ along a
// CSR structure, hand-computed, every column tail of every instruction set's kernel against float64,
// the same bits whatever the thread count, and clear argument errors. Skips, saying why, when the
// module is not built — unless SGFD_REQUIRE_NATIVE=1 (CI builds it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';
import { testEachIsa, assertOnThreads } from './kernel-checks.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

test('row dots, hand-computed: one value per entry, an empty row, entries in CSR order or placed by outAt', { skip }, () => {
  const x = Float32Array.of(1, 2, 3, 4, 5, 6); // rows [1, 2] [3, 4] [5, 6]
  const y = Float32Array.of(1, -1, 7, 7, 0.5, 2); // rows [1, −1] [7, 7] [0.5, 2]
  const ptr = Int32Array.of(0, 2, 2, 3);
  const out = new Float32Array(3);
  kernels!.rowDots(x, y, 2, ptr, Int32Array.of(2, 0, 1), 1, out, null);
  assert.deepEqual(Array.from(out), [-1, -1, 9.5]); // ⟨[5, 6], [1, −1]⟩, ⟨[1, 2], [1, −1]⟩; row 1 empty; ⟨[3, 4], [0.5, 2]⟩
  kernels!.rowDots(x, y, 2, ptr, Int32Array.of(2, 0, 1), 2, out, Int32Array.of(1, 2, 0)); // entry e to out[outAt[e]]
  assert.deepEqual(Array.from(out), [9.5, -1, -1]);
});

testEachIsa((isa) => `row dots (${isa} kernel): every column tail against float64, the same bits on 1–3 threads`, skip, () => {
  const rng = new Rng(4);
  for (const cols of [1, 3, 8, 16, 17, 33, 64, 129, 133]) {
    const lists = Array.from({ length: 23 }, () => Array.from({ length: rng.nextInt(6) }, () => rng.nextInt(19)));
    const ptr = new Int32Array(24);
    lists.forEach((l, r) => { ptr[r + 1] = ptr[r] + l.length; });
    const index = Int32Array.from(lists.flat());
    const x = Float32Array.from({ length: 19 * cols }, () => rng.normal());
    const y = Float32Array.from({ length: 23 * cols }, () => rng.normal());
    const ownerOf = lists.flatMap((l, r) => l.map(() => r));
    const want = Array.from(index, (row, e) => {
      let s = 0;
      for (let c = 0; c < cols; c++) s += x[row * cols + c] * y[ownerOf[e] * cols + c];
      return s;
    });
    assertOnThreads((threads) => {
      const out = new Float32Array(index.length);
      kernels!.rowDots(x, y, cols, ptr, index, threads, out, null);
      return out;
    }, want, () => 1e-5 * (1 + Math.sqrt(cols)), `cols ${cols}`);
  }
});

test('row dots: bad arguments are one-line errors naming the problem', { skip }, () => {
  const x = new Float32Array(6);
  const y = new Float32Array(6);
  const ptr = Int32Array.of(0, 1, 2);
  const call = (index: Int32Array, out = new Float32Array(2), p = ptr) => () => kernels!.rowDots(x, y, 3, p, index, 1, out, null);
  assert.throws(call(Int32Array.of(0, 2)), /rowDots: index 2 at 1 is not a row of x/);
  assert.throws(call(Int32Array.of(0, 1), new Float32Array(3)), /out must be a Float32Array as long as index/);
  assert.throws(call(Int32Array.of(0, 1), undefined, Int32Array.of(0, 2)), /ptr must be an Int32Array of y's rows \+ 1 offsets/);
  assert.throws(call(Int32Array.of(0, 1), undefined, Int32Array.of(0, 2, 1)), /ptr must/);
  assert.throws(() => kernels!.rowDots(x, y, 3, ptr, Int32Array.of(0, 1), 1, x.subarray(0, 2), null), /must not overlap/);
  assert.throws(() => kernels!.rowDots(x, y, 4, ptr, Int32Array.of(0, 1), 1, new Float32Array(2), null), /cols must be an integer/);
  assert.throws(() => kernels!.rowDots(x, y, 3, ptr, Int32Array.of(0, 1), 1, new Float32Array(2), Int32Array.of(1, 1)), /outAt must be null or a permutation/);
});
