// The relation term (sgfd.relationWeight): its value against a plain-JS re-derivation, its gradient
// against central differences, no gradient into the teacher, a hand-computed case, and where it may be used.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { relationLoss } from '../../src/sgfd/relation.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { tensor } from '../../src/runtime/session.ts';
import * as R from '../graph/reference.ts';
import { checkOp, f64, runGraph, assertClose } from '../graph/harness.ts';

type Rows = number[][];
const rows = (x: R.T): Rows => Array.from({ length: x.shape[0] }, (_, i) => Array.from(x.data.subarray(i * x.shape[1], (i + 1) * x.shape[1])));
const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
const unit = (a: number[]) => { const n = Math.hypot(...a); return a.map((v) => v / n); };
const softmax = (z: number[]) => { const m = Math.max(...z); const e = z.map((v) => Math.exp(v - m)); const s = e.reduce((p, q) => p + q); return e.map((v) => v / s); };

/** −mean_i Σ_j p_t(j|i) log p_r(j|i), written out row by row. */
function reference(ranking: Rows, teachers: Rows[], tau: number): number {
  const r = ranking.map(unit);
  let total = 0;
  r.forEach((ri, i) => {
    const st = ranking.map((_, j) => teachers.reduce((s, t) => s + dot(t[i], t[j]), 0) / teachers.length);
    const pt = softmax(st.map((v) => v / tau));
    const pr = softmax(r.map((rj) => dot(ri, rj) / tau));
    total -= pt.reduce((s, p, j) => s + p * Math.log(pr[j]), 0);
  });
  return total / ranking.length;
}

for (const nTeachers of [1, 2]) {
  test(`relation loss with ${nTeachers} teacher modalit${nTeachers === 1 ? 'y' : 'ies'}: value and gradient (finite differences); none reaches the teacher`, async () => {
    const inputs: Record<string, ReturnType<typeof f64>> = { r: f64([5, 3], 'any', 11) };
    for (let m = 0; m < nTeachers; m++) inputs[`t${m}`] = f64([5, 4], 'any', 20 + m);
    const teacherNames = Object.keys(inputs).filter((k) => k !== 'r');
    const result = await checkOp((_g, x) => relationLoss(x.r, teacherNames.map((n) => x[n]), 0.5), inputs, {
      ref: (x) => R.t([], [reference(rows(x.r), teacherNames.map((n) => rows(x[n])), 0.5)]),
      skipGrad: teacherNames,
    });
    assert.ok(result.grads.r.some((v) => Math.abs(v) > 1e-4), 'the ranking representation gets a gradient');
    // The teacher is a fixed target: its analytic gradient is exactly zero.
    const g = new G.Graph('t');
    const r = g.input('r', 'float32', [5, 3]);
    const t = g.input('t', 'float32', [5, 4]);
    const [dt] = G.grad(relationLoss(r, [t], 0.5), [t]);
    g.output(dt, 'dt');
    const out = await runGraph(g, { r: tensor(new Float32Array(15).fill(0.3).map((v, i) => v * Math.sin(i + 1)), [5, 3]), t: tensor(new Float32Array(20).fill(0.2), [5, 4]) });
    assert.ok(Array.from(out.dt.data as Float32Array).every((v) => v === 0), 'teacher gradient is zero');
  });
}

test('relation loss, hand-computed: two items, orthogonal rankings, teacher says they are alike', async () => {
  const g = new G.Graph('t');
  const r = g.input('r', 'float32', [2, 2]);
  const t = g.input('t', 'float32', [2, 2]);
  g.output(relationLoss(r, [t], 1), 'loss');
  // Teacher rows equal unit vectors: similarities all 1 → p_t = (½, ½) for both items. Ranking rows
  // (2, 0) and (0, 3) normalise to orthogonal units: similarities [[1, 0], [0, 1]], so each row's
  // p_r = softmax(1, 0) on itself and softmax(0, 1) on the other: −Σ p_t log p_r = ½ (log(1+e) − 1) + ½ log(1+e).
  const out = await runGraph(g, { r: tensor(Float32Array.from([2, 0, 0, 3]), [2, 2]), t: tensor(Float32Array.from([1, 0, 1, 0]), [2, 2]) });
  const l = Math.log(1 + Math.E);
  assertClose(out.loss.data as Float32Array, [0.5 * (l - 1) + 0.5 * l], 1e-6, 1e-6, 'loss');
});

test('relation settings: off by default, checked ranges', () => {
  assert.equal(sgfdConfig('paper').relationWeight, 0);
  assert.equal(sgfdConfig('reference').relationWeight, 0);
  assert.throws(() => sgfdConfig('paper', { relationWeight: -1 }), /sgfd\.relationWeight/);
  assert.throws(() => sgfdConfig('paper', { relationTau: 0 }), /sgfd\.relationTau/);
});
