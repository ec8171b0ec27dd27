// Composite ops: l2Normalize, cosine, logSigmoid, segmentSoftmax, dropout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { tensor } from '../../src/runtime/session.ts';
import * as R from './reference.ts';
import { checkOp, f64, ids, fill, runGraph, assertClose } from './harness.ts';

for (const axis of [-1, 0]) {
  test(`l2Normalize axis=${axis}`, async () => {
    await checkOp((_g, x) => G.l2Normalize(x.x, axis), { x: f64([3, 4]) }, { ref: (x) => R.l2Normalize(x.x, axis) });
  });
}

test('l2Normalize: an all-zero row maps to zero with a finite gradient (no NaN from √0)', async () => {
  const g = new G.Graph('t');
  const x = g.input('x', 'float32', [2, 3]);
  const w = g.input('w', 'float32', [2, 3]);
  const y = G.l2Normalize(x, -1);
  const [dx] = G.grad(G.reduceSum(G.mul(y, w), [0, 1]), [x]);
  g.output(y, 'y');
  g.output(dx, 'dx');
  const out = await runGraph(g, { x: tensor(Float32Array.from([0, 0, 0, 3, 0, 4]), [2, 3]), w: tensor(Float32Array.from([1, 2, 3, 1, 1, 1]), [2, 3]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array).map((v) => +v.toFixed(6)), [0, 0, 0, 0.6, 0, 0.8]);
  const grad = Array.from(out.dx.data as Float32Array);
  assert.ok(grad.every(Number.isFinite), `finite gradient: ${grad}`);
  // Row 2: d/dx (w·x/‖x‖) = (w − (w·ŷ) ŷ)/‖x‖ with ŷ = (0.6, 0, 0.8), w·ŷ = 1.4, ‖x‖ = 5.
  assertClose(grad.slice(3), [(1 - 1.4 * 0.6) / 5, 1 / 5, (1 - 1.4 * 0.8) / 5], 1e-5, 1e-6, 'row 2 gradient');
});

test('cosine of matching rows', async () => {
  await checkOp((_g, x) => G.cosine(x.a, x.b), { a: f64([3, 4]), b: f64([3, 4]) }, { ref: (x) => R.cosine(x.a, x.b) });
});

test('cosine along axis 0, b broadcast from one column', async () => {
  await checkOp((_g, x) => G.cosine(x.a, x.b, 0), { a: f64([4, 3]), b: f64([4, 1]) }, { ref: (x) => R.cosine(x.a, x.b, 0) });
});

test('logSigmoid', async () => {
  await checkOp((_g, x) => G.logSigmoid(x.x), { x: f64([3, 4], fill(12, 'any', 3).map((v) => 4 * v)) },
    { ref: (x) => R.logSigmoid(x.x) });
});

test('logSigmoid does not overflow at x = ±800 (value and gradient)', async () => {
  const xs = [800, -800, 40, -40, 0.5, -0.5];
  const r = await checkOp((_g, x) => G.logSigmoid(x.x), { x: f64([6], xs) }, { ref: (x) => R.logSigmoid(x.x) });
  const y = r.fetched.y0.data as Float64Array;
  assert.ok(y[0] === 0, `logSigmoid(800) = ${y[0]}`);
  assert.equal(y[1], -800);
  assert.ok(Array.from(r.grads.x).every(Number.isFinite), `finite gradient: ${r.grads.x}`);
});

const targets = [2, 0, 2, 2, 3, 0, 3]; // target 1 has no edges
const groupSums = (y: Float64Array, heads: number): number[] => {
  const s = new Array(4 * heads).fill(0);
  targets.forEach((t, e) => { for (let h = 0; h < heads; h++) s[t * heads + h] += y[e * heads + h]; });
  return s;
};

test('segmentSoftmax over [E] scores; sums to 1 per target node', async () => {
  const r = await checkOp((_g, x) => G.segmentSoftmax(x.s, x.tgt), { s: f64([7], fill(7, 'any', 8).map((v) => 3 * v)), tgt: ids([7], targets, 4) },
    { ref: (x) => R.segmentSoftmax(x.s, targets) });
  const sums = groupSums(r.fetched.y0.data as Float64Array, 1);
  [0, 2, 3].forEach((t) => assert.ok(Math.abs(sums[t] - 1) < 1e-14, `target ${t} sums to ${sums[t]}`));
});

test('segmentSoftmax over [E, H] scores (two heads); sums to 1 per target and head', async () => {
  const r = await checkOp((_g, x) => G.segmentSoftmax(x.s, x.tgt), { s: f64([7, 2]), tgt: ids([7], targets, 4) },
    { ref: (x) => R.segmentSoftmax(x.s, targets) });
  const sums = groupSums(r.fetched.y0.data as Float64Array, 2);
  [0, 2, 3].forEach((t) => [0, 1].forEach((h) => assert.ok(Math.abs(sums[t * 2 + h] - 1) < 1e-14, `target ${t} head ${h}: ${sums[t * 2 + h]}`)));
});

test('segmentSoftmax stays finite in float32 when groups differ by 120 in score',
  async () => {
    const g = new G.Graph();
    const s = g.input('s', 'float32', [4]);
    const tgt = G.indexInput(g, 'tgt', [4], 2);
    g.output(G.segmentSoftmax(s, tgt), 'y');
    const r = await runGraph(g, { s: tensor(new Float32Array([120, 119, 0, -1]), [4]), tgt: tensor(new BigInt64Array([0n, 0n, 1n, 1n]), [4]) });
    const y = Array.from(r.y.data as Float32Array);
    assert.ok(y.every(Number.isFinite), `segmentSoftmax float32 output: ${y}`);
  });

const mask = fill(12, 'any', 21).map((v) => (v > -0.3 ? 1 : 0));
test('dropout with a given keep-mask (p = 0.35)', async () => {
  await checkOp((g, x) => G.dropout(x.x, g.constant(mask, 'float64', [3, 4]), 0.35), { x: f64([3, 4]) },
    { ref: (x) => R.dropout(x.x, R.t([3, 4], mask), 0.35) });
});

test('dropout with p = 0 is the identity and p = 1 gives zeros', async () => {
  await checkOp((g, x) => {
    const m = g.constant(mask, 'float64', [3, 4]);
    return [G.dropout(x.x, m, 0), G.dropout(x.x, m, 1)];
  }, { x: f64([3, 4]) }, { ref: (x) => [x.x, R.map(x.x, () => 0)] });
});
