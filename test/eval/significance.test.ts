// Paired and Welch t-tests and the Student-t tail against hand-computed and textbook values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { pairedTTest, pairedTTestOfPairs, welchTTest, studentTwoTailedP, regularizedIncompleteBeta, logGamma } from '../../src/eval/significance.ts';
import { assertClose } from './helpers.ts';

const run = (values: number[], users = values.map((_, j) => j)) => ({ users, values });

test('differences [1, 2, 3, 4, 5]: t = 3 / √(2.5 / 5) = 4.2426, df = 4, p = 0.01324', () => {
  const r = pairedTTest(run([2, 4, 6, 8, 10]), run([1, 2, 3, 4, 5]));
  assert.equal(r.n, 5);
  assert.equal(r.df, 4);
  assert.equal(r.meanA, 6);
  assert.equal(r.meanB, 3);
  assert.equal(r.meanDiff, 3);
  assertClose(r.t, 3 / Math.sqrt(0.5), 't', 1e-12);
  assertClose(r.p, 0.013236, 'p', 5e-6);
});

test('differences [1, −1, 2]: df = 2 has the closed form p = 1 − t/√(t² + 2) ≈ 0.5286', () => {
  const r = pairedTTest(run([1, -1, 2]), run([0, 0, 0]));
  const t = (2 / 3) / Math.sqrt((7 / 3) / 3); // mean 2/3, sample variance 7/3
  assertClose(r.t, t, 't');
  assertClose(r.p, 1 - t / Math.sqrt(t * t + 2), 'p (closed form)', 1e-12);
  assertClose(r.p, 0.5286, 'p', 5e-5);
  const swapped = pairedTTest(run([0, 0, 0]), run([1, -1, 2]));
  assertClose(swapped.t, -t, 't of B vs A');
  assertClose(swapped.p, r.p, 'p is two-tailed', 1e-15);
});

test('Student-t tail: df = 1 (Cauchy) and table values', () => {
  assertClose(studentTwoTailedP(1, 1), 0.5, 'df 1, t 1', 1e-13);
  for (const t of [0.3, 2, 12.7]) assertClose(studentTwoTailedP(t, 1), 1 - (2 / Math.PI) * Math.atan(t), `df 1, t ${t}`, 1e-13);
  assertClose(studentTwoTailedP(2.228, 10), 0.05, 'df 10, t 2.228', 5e-5);
  assertClose(studentTwoTailedP(0.7, 10), 0.5, 'df 10, t 0.700', 5e-4);
  assertClose(studentTwoTailedP(2.042, 30), 0.05, 'df 30, t 2.042', 5e-5);
  assertClose(studentTwoTailedP(2.776, 4), 0.05, 'df 4, t 2.776', 5e-5);
  assertClose(studentTwoTailedP(3.182, 3), 0.05, 'df 3, t 3.182', 5e-5);
  assertClose(studentTwoTailedP(1.959964, 1e7), 0.05, 'normal limit', 1e-6);
  assert.equal(studentTwoTailedP(0, 5), 1);
  assert.equal(studentTwoTailedP(Infinity, 5), 0);
});

test('incomplete beta and log-gamma identities', () => {
  for (const x of [0.1, 0.37, 0.9]) {
    assertClose(regularizedIncompleteBeta(x, 1, 1), x, `I_x(1,1) at ${x}`, 1e-14);
    assertClose(regularizedIncompleteBeta(x, 3, 1), x ** 3, `I_x(3,1) at ${x}`, 1e-13);
    assertClose(regularizedIncompleteBeta(x, 2.5, 4) + regularizedIncompleteBeta(1 - x, 4, 2.5), 1, `symmetry at ${x}`, 1e-13);
  }
  assertClose(regularizedIncompleteBeta(0.5, 7, 7), 0.5, 'I_½(a,a)', 1e-14);
  assertClose(logGamma(5), Math.log(24), 'lnΓ(5)', 1e-13);
  assertClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 'lnΓ(½)', 1e-13);
  assert.throws(() => regularizedIncompleteBeta(1.5, 1, 1), /x must lie in \[0, 1\]/);
});

test('only users present in both runs are paired, by id', () => {
  // A: users 0..5; B: users 5..1 reversed plus an extra user 9. Common users 1..5; differences 1..5.
  const a = run([100, 2, 4, 6, 8, 10], [0, 1, 2, 3, 4, 5]);
  const b = run([5, 4, 3, 2, 1, 50], [5, 4, 3, 2, 1, 9]);
  const r = pairedTTest(a, b);
  assert.equal(r.n, 5);
  assert.equal(r.meanA, 6);
  assert.equal(r.meanB, 3);
  assertClose(r.p, 0.013236, 'p', 5e-6);
  assert.throws(() => pairedTTest(run([1]), run([2])), /at least 2 users/);
  assert.throws(() => pairedTTest({ users: [0, 1], values: [1] }, run([1, 2])), /one value per user/);
});

test('zero variance: identical runs give t = 0, p = 1; a constant non-zero difference gives p = 0', () => {
  const same = pairedTTest(run([0.1, 0.5, 0.2]), run([0.1, 0.5, 0.2]));
  assert.equal(same.t, 0);
  assert.equal(same.p, 1);
  const shifted = pairedTTest(run([1.5, 2.5, 3.5]), run([1, 2, 3]));
  assert.equal(shifted.meanDiff, 0.5);
  assert.equal(shifted.t, Infinity);
  assert.equal(shifted.p, 0);
  const lower = pairedTTest(run([1, 2, 3]), run([1.5, 2.5, 3.5]));
  assert.equal(lower.t, -Infinity);
  assert.equal(lower.p, 0);
});

test('paired test of aligned pairs: the same numbers as by user id; mismatched lengths are an error', () => {
  const r = pairedTTestOfPairs([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
  assert.equal(r.n, 5);
  assertClose(r.t, 3 / Math.sqrt(0.5), 't', 1e-12);
  assertClose(r.p, 0.013236, 'p', 5e-6);
  assert.throws(() => pairedTTestOfPairs([1, 2], [1]), /2 values against 1/);
  assert.throws(() => pairedTTestOfPairs([1], [2], 'seeds'), /at least 2 seeds/);
});

/** Two-tailed p of Student's t with 4 df in closed form: 1 − sin θ (1 + cos²θ / 2), θ = atan(t / 2). */
const pDf4 = (t: number) => { const th = Math.atan(t / 2); return 1 - Math.sin(th) * (1 + Math.cos(th) ** 2 / 2); };

test('Welch, equal sizes and variances: [.4, .5, .6] vs [.2, .3, .4] → t = 0.2 / √(0.01/3 + 0.01/3) = √6, df = 4', () => {
  const w = welchTTest([0.4, 0.5, 0.6], [0.2, 0.3, 0.4]);
  assert.deepEqual([w.nA, w.nB], [3, 3]);
  assertClose(w.meanDiff, 0.2, 'mean difference', 1e-12);
  assertClose(w.t, Math.sqrt(6), 't', 1e-12);
  assertClose(w.df, 4, 'df = (2v)² / (2v²/2) with v = 0.01/3', 1e-12);
  assertClose(pDf4(2.776), 0.05, 'closed form at the table value', 5e-5);
  assertClose(w.p, 1 - Math.sqrt(0.6) * 1.2, 'p: sin²θ = 6/10, cos²θ = 4/10', 1e-12);
  assertClose(w.p, 0.070484, 'p', 5e-6);
});

test('Welch, unequal sizes: [.4, .5, .6] vs [.2, .4] → se² = 1/300 + 3/300, t = √3, df = 32/19', () => {
  const w = welchTTest([0.4, 0.5, 0.6], [0.2, 0.4]);
  assertClose(w.meanDiff, 0.2, 'mean difference', 1e-12);
  assertClose(w.t, Math.sqrt(3), 't = 0.2 / √(1/75)', 1e-12);
  assertClose(w.df, 32 / 19, 'df = (1/75)² / ((1/300)²/2 + (3/300)²/1)', 1e-12);
  // Between the closed forms at df 1 (Cauchy) and df 2, and SciPy's ttest_ind(equal_var=False) value.
  const [p1, p2] = [1 - (2 / Math.PI) * Math.atan(Math.sqrt(3)), 1 - Math.sqrt(3) / Math.sqrt(3 + 2)];
  assert.ok(w.p < p1 && w.p > p2, `${p2} < ${w.p} < ${p1}`);
  assertClose(w.p, 0.248189, 'p', 5e-6);
  const swapped = welchTTest([0.2, 0.4], [0.4, 0.5, 0.6]);
  assertClose(swapped.t, -w.t, 't of B vs A', 1e-12);
  assertClose(swapped.p, w.p, 'two-tailed', 1e-15);
});

test('Welch: zero variance on both sides, and fewer than 2 values a side', () => {
  const same = welchTTest([1, 1], [1, 1, 1]);
  assert.deepEqual([same.t, same.p, same.df], [0, 1, 3]);
  const apart = welchTTest([2, 2], [1, 1]);
  assert.deepEqual([apart.t, apart.p], [Infinity, 0]);
  const oneSided = welchTTest([1, 1, 1], [0, 1]);
  assertClose(oneSided.df, 1, 'only B varies: df = n_B − 1', 1e-12);
  assert.throws(() => welchTTest([1], [1, 2]), /at least 2 values a side, got 1 and 2/);
});
