// Multi-seed significance against hand-computed values: the user-level test on seed-averaged
// per-user values (the headline), the test over seeds (paired by seed, or Welch's), and the pooled
// (seed, user) test whose p is too small when seeds replicate users.
import test from 'node:test';
import assert from 'node:assert/strict';
import { compareSeeds, userLevelTTest, seedLevelTest, pooledTTest, type SeedSample } from '../../src/eval/seed-comparison.ts';
import { assertClose } from './helpers.ts';

/** Two-tailed p of Student's t with 3 df in closed form: 1 − (2/π)(θ + sin θ cos θ), θ = atan(t / √3). */
const pDf3 = (t: number) => { const th = Math.atan(t / Math.sqrt(3)); return 1 - (2 / Math.PI) * (th + Math.sin(th) * Math.cos(th)); };
/** Two-tailed p of Student's t with 1 df (Cauchy). */
const pDf1 = (t: number) => 1 - (2 / Math.PI) * Math.atan(t);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sample = (seed: number, values: number[], users = values.map((_, j) => j)): SeedSample => ({ seed, value: mean(values), perUser: { users, values } });

// 4 users, 2 seeds a side.
//   A seed 1 [.3 .5 .2 .6], seed 2 [.5 .3 .4 .8] → per-user means [.4 .4 .3 .7]; seed means .4, .5
//   B seed 1 [.2 .2 .1 .3], seed 2 [.4 .4 .3 .5] → per-user means [.3 .3 .2 .4]; seed means .2, .4
// User level: d = [.1 .1 .1 .3], mean .15, s² = (3·.05² + .15²)/3 = .01, se = .1/√4 = .05, t = 3, df 3,
//   p = 1 − (2/π)(π/3 + √3/4) = 1/3 − √3/(2π) ≈ 0.0577.
// Seed level (same seeds, paired): d = [.2 .1], mean .15, s² = .005, se = √(.005/2) = .05, t = 3, df 1,
//   p = 1 − (2/π)·atan 3 ≈ 0.2048.
// Pooled: 8 (seed, user) differences [.1 .3 .1 .3 | .1 −.1 .1 .3], mean .15, SS = .14, s² = .02,
//   se = √(.02/8) = .05, t = 3 but df 7 → p ≈ 0.0199: "significant" where the user-level test is not.
const A = [sample(1, [0.3, 0.5, 0.2, 0.6]), sample(2, [0.5, 0.3, 0.4, 0.8])];
const B = [sample(1, [0.2, 0.2, 0.1, 0.3]), sample(2, [0.4, 0.4, 0.3, 0.5])];
const P_USER = 1 / 3 - Math.sqrt(3) / (2 * Math.PI);

test('user level: per-user values averaged over seeds, then a paired t-test over the 4 users', () => {
  const u = userLevelTTest(A.map((s) => s.perUser!), B.map((s) => s.perUser!));
  assert.equal(u.n, 4);
  assert.equal(u.df, 3);
  assert.equal(u.dropped, 0);
  assertClose(u.meanA, 0.45, 'mean of A’s per-user means', 1e-12);
  assertClose(u.meanB, 0.3, 'mean of B’s per-user means', 1e-12);
  assertClose(u.meanDiff, 0.15, 'mean difference', 1e-12);
  assertClose(u.t, 3, 't', 1e-12);
  assertClose(pDf3(3), P_USER, 'closed form at θ = π/3', 1e-12);
  assertClose(pDf3(3.182), 0.05, 'closed form at the table value t(0.975, 3) = 3.182', 5e-5);
  assertClose(u.p, P_USER, 'p', 1e-10);
  assertClose(u.p, 0.057669, 'p', 5e-7);
});

test('seed level, same seeds: per-seed means paired by seed (order of the runs does not matter)', () => {
  const s = seedLevelTest(A, [...B].reverse())!;
  assert.equal(s.kind, 'paired');
  assert.deepEqual([s.nA, s.nB, s.df], [2, 2, 1]);
  assertClose(s.meanDiff, 0.15, 'mean difference', 1e-12);
  assertClose(s.t, 3, 't', 1e-12);
  assertClose(s.p, pDf1(3), 'p', 1e-12);
  assertClose(s.p, 0.204833, 'p', 5e-6);
  assert.equal(seedLevelTest(A.slice(0, 1), B.slice(0, 1)), null, 'one seed a side: n/a');
  assert.equal(seedLevelTest(A, B.slice(0, 1)), null, 'one seed on one side: n/a');
});

test('pooled (seed, user) pairs: same t as the user level but df 7, so a smaller p (the old headline)', () => {
  const c = compareSeeds(A, B);
  assert.equal(c.sameSeeds, true);
  assertClose(c.user!.p, P_USER, 'user-level p', 1e-10);
  assertClose(c.seed!.p, pDf1(3), 'seed-level p', 1e-12);
  const pooled = pooledTTest(A, B)!;
  assert.equal(pooled.n, 8);
  assert.equal(pooled.df, 7);
  assertClose(pooled.t, 3, 't', 1e-12);
  assertClose(c.pooled!, pooled.p, 'pooled p', 0);
  assertClose(c.pooled!, 0.019942, 'p (t = 3, df 7)', 5e-6);
  assert.ok(c.pooled! < 0.05 && c.user!.p > 0.05, 'pooled claims significance the user-level test does not');
});

test('seeds that replicate users exactly: the user-level test is unchanged, the pooled one shrinks to p ≈ 1e-4', () => {
  // Three identical seeds a side with d = [.1 .1 .1 .3] per user: no new information about users.
  const a = [1, 2, 3].map((s) => sample(s, [0.4, 0.4, 0.3, 0.7]));
  const b = [1, 2, 3].map((s) => sample(s, [0.3, 0.3, 0.2, 0.4]));
  const c = compareSeeds(a, b);
  assert.equal(c.user!.n, 4);
  assertClose(c.user!.t, 3, 'user-level t (as with one seed)', 1e-12);
  assertClose(c.user!.p, P_USER, 'user-level p', 1e-10);
  // Pooled: 12 differences, mean .15, SS = 3 × .03 = .09, s² = .09/11, se = .3/√132, t = .15·√132/.3 = √33, df 11.
  const pooled = pooledTTest(a, b)!;
  assert.deepEqual([pooled.n, pooled.df], [12, 11]);
  assertClose(pooled.t, Math.sqrt(33), 't', 1e-12);
  assertClose(c.pooled!, 0.000129402, 'p (SciPy ttest_1samp)', 5e-9);
  assert.ok(c.pooled! < c.user!.p / 100, `pooled ${c.pooled} vs user-level ${c.user!.p}`);
});

test('different seed sets: each side averaged over its own seeds, Welch over seeds, pooled over the shared seeds', () => {
  // B gets a third seed [.3 .3 .2 .4]: its per-user means stay [.3 .3 .2 .4] (so the user level is unchanged),
  // its seed means become [.2 .4 .3].
  const b3 = [...B, sample(3, [0.3, 0.3, 0.2, 0.4])];
  const c = compareSeeds(A, b3);
  assert.equal(c.sameSeeds, false);
  assertClose(c.user!.t, 3, 'user-level t', 1e-12);
  assertClose(c.user!.p, P_USER, 'user-level p', 1e-10);
  // Welch: A [.4 .5] (s² = .005, /2 = 1/400), B [.2 .4 .3] (s² = .01, /3 = 1/300); se² = 7/1200;
  // t = .15/√(7/1200) = √(27/7); df = (7/1200)² / ((1/400)²/1 + (1/300)²/2) = 49/17.
  const s = c.seed!;
  assert.equal(s.kind, 'welch');
  assert.deepEqual([s.nA, s.nB], [2, 3]);
  assertClose(s.t, Math.sqrt(27 / 7), 't', 1e-12);
  assertClose(s.df, 49 / 17, 'df', 1e-12);
  assertClose(s.p, 0.148028, 'p (SciPy ttest_ind, equal_var=False)', 5e-6);
  assertClose(c.pooled!, 0.019942, 'pooled over seeds 1 and 2 only', 5e-6);
  // Same number of seeds but other seeds: still Welch.
  const other = compareSeeds(A, [B[0], { ...B[1], seed: 7 }]);
  assert.equal(other.sameSeeds, false);
  assert.equal(other.seed!.kind, 'welch');
  assertClose(other.pooled!, pooledTTest(A.slice(0, 1), B.slice(0, 1))!.p, 'pooled over seed 1 only', 0);
});

test('users missing from any run are dropped and counted; no per-user values → no user-level or pooled test', () => {
  // A's seed 1 has an extra user 9; B's seed 2 lacks user 3 → users 0..2 remain, 2 dropped.
  const a = [sample(1, [0.3, 0.5, 0.2, 0.6, 0.9], [0, 1, 2, 3, 9]), A[1]];
  const b = [B[0], sample(2, [0.4, 0.4, 0.3], [0, 1, 2])];
  const c = compareSeeds(a, b);
  assert.equal(c.user!.n, 3);
  assert.equal(c.user!.dropped, 2);
  // d over users 0..2 = [.1 .1 .1]: a constant difference.
  assertClose(c.user!.meanDiff, 0.1, 'mean difference', 1e-12);
  const bare = compareSeeds(A.map(({ seed, value }) => ({ seed, value })), B);
  assert.equal(bare.user, null);
  assert.equal(bare.pooled, null);
  assertClose(bare.seed!.p, pDf1(3), 'the seed level needs only the per-seed means', 1e-12);
  assert.throws(() => userLevelTTest([{ users: [0, 0], values: [1, 2] }], B.map((s) => s.perUser!)), /lists user 0 twice/);
  assert.throws(() => userLevelTTest([], B.map((s) => s.perUser!)), /at least one run a side/);
});
