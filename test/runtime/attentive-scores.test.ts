// The native attentive-score kernel (native/attentive_scores.h: MAML's pair score, fused): every
// instruction set's kernel against a float64 evaluation of the formula, over widths whose hidden and
// output layers end in partial panels and partial vectors and user/item counts that end in partial
// tiles; the same bits on 1–3 threads; a hand-computed pair; clear argument errors. Skips, saying
// why, when the module is not built — unless SGFD_REQUIRE_NATIVE=1 (CI builds it).
import test from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/runtime/native.ts';
import { Rng } from '../../src/data/rng.ts';
import { testEachIsa, assertOnThreads } from './kernel-checks.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;
const EPS = 1e-12;

interface Net { d: number; H: number; w1: Float32Array; b1: Float32Array; wo: Float32Array; bo: Float32Array }

/** −Σ a_k² (u_k − v_k)², a = d·softmax(relu(Dense(L2(tanh(Dense(L2([u; v; p]))))))), in float64. */
function score(net: Net, u: ArrayLike<number>, item: ArrayLike<number>): number {
  const { d, H, w1, b1, wo, bo } = net;
  const x = [...Array.from(u), ...Array.from(item)];
  const nx = Math.max(Math.hypot(...x), EPS);
  const h = Array.from({ length: H }, (_, j) => Math.tanh(x.reduce((s, xi, i) => s + xi * w1[i * H + j], 0) / nx + b1[j]));
  const nh = Math.max(Math.hypot(...h), EPS);
  const z = Array.from({ length: d }, (_, k) => Math.max(0, h.reduce((s, hj, j) => s + hj * wo[j * d + k], 0) / nh + bo[k]));
  const top = Math.max(...z);
  const e = z.map((zk) => Math.exp(zk - top));
  const sum = e.reduce((s, x) => s + x, 0);
  return -e.reduce((s, ek, k) => s + (d * ek / sum) ** 2 * (u[k] - item[k]) ** 2, 0);
}

function randomNet(rng: Rng, d: number): Net {
  const H = 5 * d;
  const r = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return { d, H, w1: r(3 * d * H, 1 / Math.sqrt(d)), b1: r(H, 0.1), wo: r(H * d, 1 / Math.sqrt(H)), bo: r(d, 0.1) };
}

const run = (net: Net, users: Float32Array, items: Float32Array, threads: number, out = new Float32Array((users.length / net.d) * (items.length / (2 * net.d)))) => {
  kernels!.attentiveScores(users, items, net.d, net.w1, net.b1, net.wo, net.bo, EPS, threads, out);
  return out;
};

test('attentive scores, hand-computed: equal attention over d = 1 is the squared distance; identical rows score 0', { skip }, () => {
  // d = 1: softmax over one value is 1, so a = 1 and the score is −(u − v)², whatever the weights.
  const net = { d: 1, H: 5, w1: new Float32Array(15).fill(0.3), b1: new Float32Array(5), wo: new Float32Array(5).fill(-0.2), bo: Float32Array.of(0.1) };
  // Users u = 0.5 and −1; items [v ‖ p] = [2 ‖ 7] and [0.5 ‖ 1] (p moves the attention, not the distance).
  const out = run(net, Float32Array.of(0.5, -1), Float32Array.of(2, 7, 0.5, 1), 1);
  assert.deepEqual(Array.from(out), [-2.25, -0, -9, -2.25]); // (0.5 − 2)², (0.5 − 0.5)², (−1 − 2)², (−1 − 0.5)²
});

testEachIsa((isa) => `attentive scores (${isa} kernel): partial panels, vectors and tiles against float64, the same bits on 1–3 threads`, skip, () => {
  const rng = new Rng(8);
  for (const d of [3, 8, 16, 20]) {
    const net = randomNet(rng, d);
    const [nUsers, nItems] = [7, 13];
    const users = Float32Array.from({ length: nUsers * d }, () => 0.3 * rng.normal());
    const items = Float32Array.from({ length: nItems * 2 * d }, () => 0.3 * rng.normal());
    const want = Array.from({ length: nUsers * nItems }, (_, j) => {
      const [u, i] = [Math.floor(j / nItems), j % nItems];
      return score(net, users.subarray(u * d, (u + 1) * d), items.subarray(i * 2 * d, (i + 1) * 2 * d));
    });
    assertOnThreads((threads) => run(net, users, items, threads), want, (w) => 2e-5 * Math.max(1, Math.abs(w)), `d = ${d}`);
  }
});

test('attentive scores: argument errors name the kernel and the expectation', { skip }, () => {
  const net = randomNet(new Rng(1), 2);
  const users = new Float32Array(4);
  const items = new Float32Array(8);
  assert.throws(() => kernels!.attentiveScores(users, items, 2, net.w1.subarray(1), net.b1, net.wo, net.bo, EPS, 1, new Float32Array(4)), /^Error: attentiveScores: need hiddenWeight \[3d, H\]/);
  assert.throws(() => run(net, users, items, 1, new Float32Array(3)), /^Error: attentiveScores: out must be a Float32Array of nUsers × nItems$/);
  assert.throws(() => kernels!.attentiveScores(users, new Float32Array(7), 2, net.w1, net.b1, net.wo, net.bo, EPS, 1, new Float32Array(4)), /^Error: attentiveScores: need d ≥ 1, users of whole \[d\] rows and items of whole \[2d\] rows$/);
});
