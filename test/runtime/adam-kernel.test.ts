// The native Adam kernel (native/adam.cc, adam_kernel.h): every instruction set's vectors and the
// scalar tail give, to the bit, a float32 reference doing the update's operations one by one in the
// train-step graph's order — with and without the second gradient and L2 decay, every tail length,
// and split over 1–3 threads; on gradient rows (adamRows) the dense update's bits; and the thread policy for kernels beside ORT runs (kernelThreads).
// The kernel tests skip, saying why, when the module is not built — unless SGFD_REQUIRE_NATIVE=1.
import test from 'node:test';
import assert from 'node:assert/strict';
import { kernelThreads, nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';
import { testEachIsa } from './kernel-checks.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;
const f = Math.fround;

/** β1, 1 − β1, β2, 1 − β2, √bc2, ε, lr / bc1, decay (as the runner passes them; the kernel reads them as float32). */
const hyper = (decay: number) => Float64Array.of(0.9, 0.1, 0.999, 0.001, Math.sqrt(1 - 0.999 ** 3), 1e-8, 1e-3 / (1 - 0.9 ** 3), decay);

function reference(p: Float32Array, m: Float32Array, v: Float32Array, grad: Float32Array, extra: Float32Array | null, hy: Float64Array): void {
  const [b1, c1, b2, c2, sqrtBc2, eps, step, decay] = Array.from(hy, f);
  for (let j = 0; j < p.length; j++) {
    let g = grad[j];
    if (extra) g = f(extra[j] + g);
    if (decay !== 0) g = f(g + f(p[j] * decay));
    m[j] = f(f(m[j] * b1) + f(g * c1));
    v[j] = f(f(v[j] * b2) + f(f(g * g) * c2));
    const denom = f(f(f(Math.sqrt(v[j])) / sqrtBc2) + eps);
    p[j] = f(p[j] - f(f(m[j] / denom) * step));
  }
}

function arrays(n: number, seed: number) {
  const rng = new Rng(seed);
  const fill = (scale: number, positive = false) => Float32Array.from({ length: n }, () => (positive ? Math.abs(rng.normal()) : rng.normal()) * scale);
  return { p: fill(0.1), m: fill(1e-3), v: fill(1e-6, true), grad: fill(1e-2), extra: fill(1e-2) };
}

test('Adam, hand-computed: one element, first step from zero moments', { skip }, () => {
  const [p, m, v] = [Float32Array.of(1), Float32Array.of(0), Float32Array.of(0)];
  // t = 1: m = 0.1·g, v = 0.001·g², bias corrections 0.1 and 0.001: the step is lr · g / (|g| + ε′) = lr.
  kernels!.adam(p, m, v, Float32Array.of(0.5), null, Float64Array.of(0.9, 0.1, 0.999, 0.001, Math.sqrt(0.001), 1e-8, 0.01 / 0.1, 0), 1);
  assert.equal(m[0], f(f(0.9 * 0) + f(0.5 * f(0.1))));
  assert.ok(Math.abs(p[0] - (1 - 0.01)) < 1e-6, `p = ${p[0]}`);
});

testEachIsa((isa) => `Adam (${isa} kernel): the float32 reference's bits for every tail, second gradient and decay`, skip, () => {
  for (const n of [1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 100]) {
    for (const [withExtra, decay] of [[false, 0], [true, 0], [false, 0.05], [true, 0.05]] as const) {
      const got = arrays(n, n);
      const want = arrays(n, n);
      kernels!.adam(got.p, got.m, got.v, got.grad, withExtra ? got.extra : null, hyper(decay), 1);
      reference(want.p, want.m, want.v, want.grad, withExtra ? want.extra : null, hyper(decay));
      for (const k of ['p', 'm', 'v'] as const) assert.deepEqual(got[k], want[k], `n ${n}, extra ${withExtra}, decay ${decay}: ${k}`);
    }
  }
});

test('Adam on 1–3 threads: a large parameter split between threads keeps the reference\'s bits', { skip }, () => {
  const n = 300_007; // two or three shares of ≥ 2¹⁷ elements, and a tail
  const want = arrays(n, 5);
  reference(want.p, want.m, want.v, want.grad, want.extra, hyper(0.01));
  for (const threads of [1, 2, 3]) {
    const got = arrays(n, 5);
    kernels!.adam(got.p, got.m, got.v, got.grad, got.extra, hyper(0.01), threads);
    for (const k of ['p', 'm', 'v'] as const) assert.deepEqual(got[k], want[k], `${threads} threads: ${k}`);
  }
});

test('Adam: arguments of the wrong kind or length are refused, naming the kernel', { skip }, () => {
  const a = () => new Float32Array(4);
  assert.throws(() => kernels!.adam(a(), a(), new Float32Array(3), a(), null, hyper(0), 1), /adam: m, v and grad must be Float32Arrays as long as param/);
  assert.throws(() => kernels!.adam(a(), a(), a(), a(), null, Float64Array.of(1, 2), 1), /adam: hyper must be a Float64Array of 8 values/);
  assert.throws(() => (kernels!.adam as (...x: unknown[]) => void)(a(), a(), a(), a(), null, hyper(0)), /adam: expected 7 arguments/);
});

/** A table [rows, cols] whose gradient is zero but in some rows: gradRows in the order `order`, rowOf into it, and the dense gradient. */
function rowGradient(rows: number, cols: number, order: number[], seed: number) {
  const rng = new Rng(seed);
  const gradRows = Float32Array.from({ length: order.length * cols }, () => rng.normal() * 1e-2);
  const rowOf = new Int32Array(rows).fill(-1);
  const dense = new Float32Array(rows * cols);
  order.forEach((r, k) => { rowOf[r] = k; dense.set(gradRows.subarray(k * cols, (k + 1) * cols), r * cols); });
  return { gradRows, rowOf, dense };
}

testEachIsa((isa) => `Adam on gradient rows (${isa} kernel): the dense update's bits, every row updated`, skip, () => {
  for (const cols of [1, 7, 16, 33]) {
    for (const decay of [0, 0.05]) {
      const rows = 11;
      const { gradRows, rowOf, dense } = rowGradient(rows, cols, [9, 2, 3, 0], cols);
      const got = arrays(rows * cols, cols);
      const want = arrays(rows * cols, cols);
      kernels!.adamRows(got.p, got.m, got.v, gradRows, rowOf, hyper(decay), 1);
      kernels!.adam(want.p, want.m, want.v, dense, null, hyper(decay), 1);
      for (const k of ['p', 'm', 'v'] as const) assert.deepEqual(got[k], want[k], `cols ${cols}, decay ${decay}: ${k}`);
      // a row without gradient still moves: its moments decay and it takes their step
      const untouched = arrays(rows * cols, cols);
      assert.notEqual(got.p[cols], untouched.p[cols]);
      if (decay === 0) assert.equal(got.m[cols], f(untouched.m[cols] * f(0.9)));
    }
  }
});

test('Adam on gradient rows, 1–3 threads: a large table split between threads keeps the dense update\'s bits', { skip }, () => {
  const [rows, cols] = [1_203, 257];
  const { gradRows, rowOf, dense } = rowGradient(rows, cols, Array.from({ length: 400 }, (_, k) => (k * 7) % rows), 3);
  const want = arrays(rows * cols, 8);
  kernels!.adam(want.p, want.m, want.v, dense, null, hyper(0), 1);
  for (const threads of [1, 2, 3]) {
    const got = arrays(rows * cols, 8);
    kernels!.adamRows(got.p, got.m, got.v, gradRows, rowOf, hyper(0), threads);
    for (const k of ['p', 'm', 'v'] as const) assert.deepEqual(got[k], want[k], `${threads} threads: ${k}`);
  }
});

test('Adam on gradient rows: a row index outside the given rows, or rows that do not divide the table, is refused', { skip }, () => {
  const a = (n: number) => new Float32Array(n);
  assert.throws(() => kernels!.adamRows(a(6), a(6), a(6), a(4), Int32Array.of(0, 2, -1), hyper(0), 1), /adamRows: rowOf\[1\] = 2 is not −1 or a row of gradRows/);
  assert.throws(() => kernels!.adamRows(a(6), a(6), a(6), a(4), Int32Array.of(0, -2, -1), hyper(0), 1), /adamRows: rowOf\[1\] = -2/);
  assert.throws(() => kernels!.adamRows(a(6), a(6), a(6), a(3), Int32Array.of(0, 1, -1), hyper(0), 1), /adamRows: gradRows must be a Float32Array of whole rows/);
  assert.throws(() => kernels!.adamRows(a(6), a(6), a(6), a(2), Int32Array.of(0, 1, -1, -1), hyper(0), 1), /adamRows: rowOf must be an Int32Array of one entry per row of param/);
});

test('kernel threads: one beside a spinning ORT session unless the work is large; the session\'s threads otherwise', () => {
  assert.equal(kernelThreads(2, true), 1); // Adam beside a fused step
  assert.equal(kernelThreads(2, true, 89_640 * 128), 1); // Last.fm's propagation layer
  assert.equal(kernelThreads(2, true, 256_000 * 128), 2); // Toys-sized
  assert.equal(kernelThreads(2, false), 2); // a staged step: its sessions do not spin
  assert.equal(kernelThreads(undefined, false), 2); // ORT's default
  assert.equal(kernelThreads(1, false), 1);
});
