// The native row-sums kernel (native/row_sums_kernel.h) and the offloaded propagation built on it
// (src/runtime/propagation-offload.ts): hand-computed sums, every column tail of every instruction
// set's kernel against a float64 reference, the same bits whatever the thread count, clear argument
// errors, and the propagation's gradient as its exact adjoint. Skips, saying why, when the module is
// not built — unless SGFD_REQUIRE_NATIVE=1 (CI builds it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/runtime/native.ts';
import { OffloadedPropagation, type PropagationOffload } from '../../src/runtime/propagation-offload.ts';
import { Rng } from '../../src/data/rng.ts';
import { testEachIsa, assertOnThreads } from './kernel-checks.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

/** A random CSR over `rows` output rows reading `xRows` rows (some rows empty). */
function randomCsr(rng: Rng, rows: number, xRows: number) {
  const lists = Array.from({ length: rows }, () => Array.from({ length: rng.nextInt(6) }, () => rng.nextInt(xRows)));
  const ptr = new Int32Array(rows + 1);
  lists.forEach((l, r) => { ptr[r + 1] = ptr[r] + l.length; });
  return { ptr, index: Int32Array.from(lists.flat()), weight: Float32Array.from(lists.flat(), () => rng.normal()) };
}

/** float64 reference of scale · (Σ weight · x[index] + plus). */
function reference(x: Float32Array, cols: number, csr: ReturnType<typeof randomCsr>, plus: Float32Array | null, scale: number): Float64Array {
  const rows = csr.ptr.length - 1;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = plus ? plus[r * cols + c] : 0;
      for (let e = csr.ptr[r]; e < csr.ptr[r + 1]; e++) s += csr.weight[e] * x[csr.index[e] * cols + c];
      out[r * cols + c] = s * scale;
    }
  }
  return out;
}

test('row sums, hand-computed: weighted rows, an empty row, plus and scale, plus aliasing out, weights read through weightAt', { skip }, () => {
  const x = Float32Array.of(1, 2, 3, 4, 5, 6); // rows [1, 2] [3, 4] [5, 6]
  const ptr = Int32Array.of(0, 2, 2, 3);
  const index = Int32Array.of(1, 2, 0);
  const weight = Float32Array.of(2, 1, 0.5);
  const out = new Float32Array(6);
  kernels!.rowSums(x, 2, ptr, index, weight, 1, out, null, 1, null);
  assert.deepEqual(Array.from(out), [11, 14, 0, 0, 0.5, 1]); // 2·[3, 4] + [5, 6]; nothing; 0.5·[1, 2]
  const plus = Float32Array.of(1, 1, 1, 1, 1, 1);
  kernels!.rowSums(x, 2, ptr, index, weight, 2, out, plus, 2, null);
  assert.deepEqual(Array.from(out), [24, 30, 2, 2, 3, 4]);
  kernels!.rowSums(x, 2, ptr, index, weight, 2, out, out, 0.5, null); // out = 0.5 · (sums + out)
  assert.deepEqual(Array.from(out), [17.5, 22, 1, 1, 1.75, 2.5]);
  kernels!.rowSums(x, 2, ptr, index, weight, 1, out, null, 1, Int32Array.of(2, 0, 1)); // weights read as weight[weightAt[e]]
  assert.deepEqual(Array.from(out), [11.5, 14, 0, 0, 1, 2]); // 0.5·[3, 4] + 2·[5, 6]; nothing; 1·[1, 2]
});

testEachIsa((isa) => `row sums (${isa} kernel): every column tail against float64, the same bits on 1–3 threads`, skip, () => {
  const rng = new Rng(3);
  for (const cols of [1, 3, 8, 16, 17, 33, 64, 129, 133]) {
    const csr = randomCsr(rng, 23, 19);
    const x = Float32Array.from({ length: 19 * cols }, () => rng.normal());
    const plus = Float32Array.from({ length: 23 * cols }, () => rng.normal());
    for (const p of [null, plus]) {
      assertOnThreads((threads) => {
        const out = new Float32Array(23 * cols);
        kernels!.rowSums(x, cols, csr.ptr, csr.index, csr.weight, threads, out, p, 0.75, null);
        return out;
      }, reference(x, cols, csr, p, 0.75), (w) => 1e-5 * (1 + Math.abs(w)), `cols ${cols}`);
    }
  }
});

test('row sums: bad arguments are one-line errors naming the problem', { skip }, () => {
  const x = new Float32Array(6);
  const out = new Float32Array(6);
  const ptr = Int32Array.of(0, 1, 2);
  const call = (index: Int32Array, o = out, plus: Float32Array | null = null) => () => kernels!.rowSums(x, 3, ptr, index, Float32Array.of(1, 1), 1, o, plus, 1, null);
  assert.throws(call(Int32Array.of(0, 2)), /rowSums: index 2 at 1 is not a row of x/);
  assert.throws(call(Int32Array.of(0, -1)), /rowSums: index -1 at 1 is not a row of x/);
  assert.throws(() => kernels!.rowSums(x, 3, ptr, Int32Array.of(0, 1), Float32Array.of(1, 1), 1, new Float32Array(5), null, 1, null), /out must hold/);
  assert.throws(() => kernels!.rowSums(x, 3, Int32Array.of(0, 3, 2), Int32Array.of(0, 1), Float32Array.of(1, 1), 1, new Float32Array(6), null, 1, null), /ptr must not decrease/);
  assert.throws(() => kernels!.rowSums(x, 3, ptr, Int32Array.of(0, 1), Float32Array.of(1, 1), 1, x, null, 1, null), /must not overlap/);
  assert.throws(() => kernels!.rowSums(x, 3, ptr, Int32Array.of(0, 1), Float32Array.of(1), 1, new Float32Array(6), null, 1, null), /weight must be a Float32Array as long as index/);
  assert.throws(() => kernels!.rowSums(x, 3, ptr, Int32Array.of(0, 1), Float32Array.of(1, 1), 1, new Float32Array(6), null, 1, Int32Array.of(1, 1)), /weightAt must hold each entry's weight once/);
  assert.throws(() => kernels!.rowSums(x, 3, ptr, Int32Array.of(0, 1), Float32Array.of(1, 1), 1, new Float32Array(6), null, 1, Int32Array.of(0)), /weightAt must be null or an Int32Array as long as index/);
});

/** A symmetric propagation over two parameter tables (random undirected edges between their rows). */
function symmetricPropagation(rng: Rng, layers: number, cols: number): PropagationOffload {
  const rows = 17;
  const edges = Array.from({ length: 40 }, () => [rng.nextInt(rows), rng.nextInt(rows), rng.nextFloat()] as const);
  const lists: [number, number][][] = Array.from({ length: rows }, () => []);
  for (const [a, b, w] of edges) { lists[a].push([b, w]); if (a !== b) lists[b].push([a, w]); }
  const ptr = new Int32Array(rows + 1);
  lists.forEach((l, r) => { ptr[r + 1] = ptr[r] + l.length; });
  return {
    input: 'offload.propagation.0', gradient: 'grad.offload.propagation.0', params: [{ name: 'a', rows: 10 }, { name: 'b', rows: 7 }], cols, layers,
    ptr, index: Int32Array.from(lists.flat().map(([j]) => j)), weight: Float32Array.from(lists.flat().map(([, w]) => w)),
  };
}

test('offloaded propagation: c · Σ Aˡ x against a dense float64 reference, and its gradient is its adjoint', { skip }, () => {
  const rng = new Rng(11);
  for (const layers of [1, 2, 3]) {
    const p = symmetricPropagation(rng, layers, 5);
    const values = new Map([['a', Float32Array.from({ length: 50 }, () => rng.normal())], ['b', Float32Array.from({ length: 35 }, () => rng.normal())]]);
    const x = Float64Array.from([...values.get('a')!, ...values.get('b')!]);
    const dense = Array.from({ length: 17 }, () => new Float64Array(17));
    for (let r = 0; r < 17; r++) for (let e = p.ptr[r]; e < p.ptr[r + 1]; e++) dense[r][p.index[e]] += p.weight[e];
    const want = Float64Array.from(x);
    let h = x;
    for (let l = 0; l < layers; l++) {
      const next = new Float64Array(h.length);
      for (let r = 0; r < 17; r++) for (let j = 0; j < 17; j++) for (let c = 0; c < 5; c++) next[r * 5 + c] += dense[r][j] * h[j * 5 + c];
      next.forEach((v, j) => { want[j] += v; });
      h = next;
    }
    const prop = new OffloadedPropagation(kernels!, p, 2);
    const out = Float32Array.from(prop.forward(values));
    want.forEach((w, j) => assert.ok(Math.abs(out[j] - w / (layers + 1)) <= 1e-5 * (1 + Math.abs(w)), `layers ${layers}, entry ${j}: ${out[j]} vs ${w / (layers + 1)}`));
    // ⟨F x, dy⟩ = ⟨x, Fᵀ dy⟩ for the gradient Fᵀ (A symmetric): the gradient rule, checked exactly.
    const dy = Float32Array.from({ length: 85 }, () => rng.normal());
    const grads = prop.gradient(dy);
    assert.deepEqual([...grads.keys()], ['a', 'b']);
    const gx = Float64Array.from([...grads.get('a')!, ...grads.get('b')!]);
    const lhs = out.reduce((s, v, j) => s + v * dy[j], 0);
    const rhs = gx.reduce((s, v, j) => s + v * x[j], 0);
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `layers ${layers}: ⟨Fx, dy⟩ ${lhs} vs ⟨x, Fᵀdy⟩ ${rhs}`);
  }
});
