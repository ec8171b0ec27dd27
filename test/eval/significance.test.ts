// Paired t-test and the Student-t tail against hand-computed and textbook values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { pairedTTest, studentTwoTailedP, regularizedIncompleteBeta, logGamma } from '../../src/eval/significance.ts';
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
