// The native tower-score kernel (native/tower_scores.h: NeuMF's pair score, fused): every instruction
// set's kernel against a float64 evaluation of the formula, over widths whose layers end in partial
// panels and partial vectors and user/item counts that end in partial tiles; the same bits on 1–3
// threads; a hand-computed pair; clear argument errors. Skips, saying why, when the module is not
// built — unless SGFD_REQUIRE_NATIVE=1 (CI builds it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';
import { testEachIsa, assertOnThreads } from './kernel-checks.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;

interface Net { d: number; d2: number; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; h: Float32Array; c: number }

/** Σ h_k p_k q_k + Σ_j h_{d+j} relu(Σ_k relu([p′ ‖ q′]·W1 + b1)_k W2[k, j] + b2_j) + c, in float64. */
function score(net: Net, user: ArrayLike<number>, item: ArrayLike<number>): number {
  const { d, d2, w1, b1, w2, b2, h, c } = net;
  const x = [...Array.from(user).slice(d), ...Array.from(item).slice(d)];
  const a = Array.from({ length: d }, (_, k) => Math.max(0, x.reduce((s, xi, i) => s + xi * w1[i * d + k], b1[k])));
  const t = Array.from({ length: d2 }, (_, j) => Math.max(0, a.reduce((s, ak, k) => s + ak * w2[k * d2 + j], b2[j])));
  let gmf = 0;
  for (let k = 0; k < d; k++) gmf += h[k] * user[k] * item[k];
  return gmf + t.reduce((s, tj, j) => s + h[d + j] * tj, 0) + c;
}

function randomNet(rng: Rng, d: number, d2: number): Net {
  const r = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return { d, d2, w1: r(2 * d * d, 1 / Math.sqrt(d)), b1: r(d, 0.1), w2: r(d * d2, 1 / Math.sqrt(d)), b2: r(d2, 0.1), h: r(d + d2, 0.5), c: 0.25 };
}

const run = (net: Net, users: Float32Array, items: Float32Array, threads: number, out = new Float32Array((users.length / (2 * net.d)) * (items.length / (2 * net.d)))) => {
  kernels!.towerScores(users, items, net.d, net.w1, net.b1, net.w2, net.b2, net.h, net.c, threads, out);
  return out;
};

test('tower scores, hand-computed: d = 1, d2 = 1', { skip }, () => {
  // W1 = [2, −1] (p′ weight 2, q′ weight −1), b1 = 0.5; W2 = 3, b2 = −1; h = [gmf 0.5, mlp 2]; c = 0.1.
  const net: Net = { d: 1, d2: 1, w1: Float32Array.of(2, -1), b1: Float32Array.of(0.5), w2: Float32Array.of(3), b2: Float32Array.of(-1), h: Float32Array.of(0.5, 2), c: 0.1 };
  // User [p ‖ p′] = [2 ‖ 1]; items [q ‖ q′] = [4 ‖ 1] and [−2 ‖ 3].
  const out = run(net, Float32Array.of(2, 1), Float32Array.of(4, 1, -2, 3), 1);
  // Item 1: a = relu(2 − 1 + 0.5) = 1.5, t = relu(4.5 − 1) = 3.5; 0.5·2·4 + 2·3.5 + 0.1 = 11.1.
  // Item 2: a = relu(2 − 3 + 0.5) = 0, t = relu(−1) = 0; 0.5·2·(−2) + 0 + 0.1 = −1.9.
  assert.deepEqual(Array.from(out), [Math.fround(11.1), Math.fround(-1.9)]);
});

testEachIsa((isa) => `tower scores (${isa} kernel): partial panels, vectors and tiles against float64, the same bits on 1–3 threads`, skip, () => {
  const rng = new Rng(8);
  for (const [d, d2] of [[3, 1], [8, 4], [20, 10], [64, 32], [37, 5]]) {
    const net = randomNet(rng, d, d2);
    const [nUsers, nItems] = [7, 13];
    const users = Float32Array.from({ length: nUsers * 2 * d }, () => 0.5 * rng.normal());
    const items = Float32Array.from({ length: nItems * 2 * d }, () => 0.5 * rng.normal());
    const want = Array.from({ length: nUsers * nItems }, (_, j) => {
      const [u, i] = [Math.floor(j / nItems), j % nItems];
      return score(net, users.subarray(u * 2 * d, (u + 1) * 2 * d), items.subarray(i * 2 * d, (i + 1) * 2 * d));
    });
    assertOnThreads((threads) => run(net, users, items, threads), want, (w) => 2e-5 * Math.max(1, Math.abs(w)), `d = ${d}, d2 = ${d2}`);
  }
});

test('tower scores: argument errors name the kernel and the expectation', { skip }, () => {
  const net = randomNet(new Rng(1), 2, 1);
  const users = new Float32Array(8);
  const items = new Float32Array(8);
  assert.throws(() => kernels!.towerScores(users, items, 2, net.w1.subarray(1), net.b1, net.w2, net.b2, net.h, 0, 1, new Float32Array(4)), /^Error: towerScores: need w1 \[2d, d\], b1 \[d\], w2 \[d, d2\], b2 \[d2\], predict \[d \+ d2\]$/);
  assert.throws(() => run(net, users, items, 1, new Float32Array(3)), /^Error: towerScores: out must be a Float32Array of nUsers × nItems$/);
  assert.throws(() => kernels!.towerScores(users, new Float32Array(6), 2, net.w1, net.b1, net.w2, net.b2, net.h, 0, 1, new Float32Array(4)), /^Error: towerScores: need d ≥ 1 and users and items of whole \[2d\] rows$/);
});
