// Two-tailed t-tests — paired (over per-user metric values of two runs, or any aligned pairs) and
// Welch's (two independent samples) — with the Student-t tail from the regularised incomplete beta
// function (continued fraction, modified Lentz). Multi-seed comparisons are in seed-comparison.ts.

export interface PerUserValues {
  /** User ids; `values[j]` belongs to `users[j]`. */
  users: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** What every two-sample t-test here reports. */
interface TTestResult {
  meanA: number;
  meanB: number;
  /** mean(a − b) (paired), meanA − meanB (Welch). */
  meanDiff: number;
  t: number;
  /** Degrees of freedom (Welch–Satterthwaite: not an integer in general). */
  df: number;
  /** Two-tailed p-value. */
  p: number;
}

export interface PairedTTest extends TTestResult {
  /** Users present in both runs. */
  n: number;
}

// Lanczos approximation of Γ (g = 7, nine terms): |relative error| < 1e-13 for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let series = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

const TINY = 1e-300;
const EPS = 1e-15;
const MAX_TERMS = 10000;

/** The continued fraction of I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2)). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const guard = (v: number) => (Math.abs(v) < TINY ? TINY : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let f = d;
  /** One modified-Lentz update with partial numerator `coef`; returns the factor applied to f. */
  const advance = (coef: number): number => {
    d = 1 / guard(1 + coef * d);
    c = guard(1 + coef / c);
    f *= d * c;
    return d * c;
  };
  for (let m = 1; m <= MAX_TERMS; m++) {
    advance((m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))); // even term
    const factor = advance(-((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))); // odd term
    if (Math.abs(factor - 1) < EPS) return f;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

/** The regularised incomplete beta function I_x(a, b) for a, b > 0 and x ∈ [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta: a and b must be > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta: x must lie in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b; // symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom. */
export function studentTwoTailedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Values of the users present in both runs, as aligned pairs (A's order). */
function pairUp(a: PerUserValues, b: PerUserValues): { xa: number[]; xb: number[] } {
  if (a.users.length !== a.values.length || b.users.length !== b.values.length) {
    throw new RangeError('paired t-test: each run needs one value per user id');
  }
  const indexOfB = new Map<number, number>();
  for (let j = 0; j < b.users.length; j++) indexOfB.set(b.users[j], j);
  const xa: number[] = [];
  const xb: number[] = [];
  for (let j = 0; j < a.users.length; j++) {
    const jb = indexOfB.get(a.users[j]);
    if (jb === undefined) continue;
    xa.push(a.values[j]);
    xb.push(b.values[jb]);
  }
  return { xa, xb };
}

/** Mean as x₀ + Σ(x − x₀)/n: exactly x₀ when every value is x₀ (a plain sum / n can be off by an ulp, a spurious difference). */
export const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs[0] + xs.reduce((s, x) => s + (x - xs[0]), 0) / xs.length);
/** Sample variance (n − 1). */
const sampleVariance = (xs: readonly number[], m = mean(xs)) => xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);

/**
 * t = meanDiff / √se², two-tailed p with `df`. se² = 0: t = 0, p = 1 when meanDiff is 0;
 * t = ±∞, p = 0 otherwise.
 */
function tOf(meanDiff: number, se2: number, df: number): { t: number; p: number } {
  if (se2 === 0) {
    if (meanDiff === 0) return { t: 0, p: 1 };
    return { t: meanDiff > 0 ? Infinity : -Infinity, p: 0 };
  }
  const t = meanDiff / Math.sqrt(se2);
  return { t, p: studentTwoTailedP(t, df) };
}

/**
 * Two-tailed paired t-test of aligned values `xa[j]` against `xb[j]`: t = mean(d) / (s_d / √n),
 * d = xa − xb, s_d the sample std of d, df = n − 1. Zero variance of the differences: t = 0, p = 1
 * when they are all 0; t = ±∞, p = 0 when they are a non-zero constant.
 */
export function pairedTTestOfPairs(xa: readonly number[], xb: readonly number[], what = 'pairs'): PairedTTest {
  const n = xa.length;
  if (xb.length !== n) throw new RangeError(`paired t-test: ${n} values against ${xb.length}`);
  if (n < 2) throw new RangeError(`paired t-test: needs at least 2 ${what}, got ${n}`);
  const diffs = xa.map((x, j) => x - xb[j]);
  const meanDiff = mean(diffs);
  const df = n - 1;
  return { n, meanA: mean(xa), meanB: mean(xb), meanDiff, df, ...tOf(meanDiff, sampleVariance(diffs, meanDiff) / n, df) };
}

/**
 * Two-tailed paired t-test of run A against run B over the users present in both (users are the
 * independent unit; see seed-comparison.ts for several seeds a side).
 */
export function pairedTTest(a: PerUserValues, b: PerUserValues): PairedTTest {
  const { xa, xb } = pairUp(a, b);
  return pairedTTestOfPairs(xa, xb, 'users present in both runs');
}

export interface WelchTTest extends TTestResult {
  nA: number;
  nB: number;
}

/**
 * Welch's two-tailed t-test of independent samples `a` and `b` (variances not assumed equal):
 * t = (m_a − m_b) / √(s_a²/n_a + s_b²/n_b), df = (s_a²/n_a + s_b²/n_b)² /
 * ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1)). Both variances 0: df = n_a + n_b − 2 and t, p as
 * for a paired test with zero variance.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchTTest {
  const [nA, nB] = [a.length, b.length];
  if (nA < 2 || nB < 2) throw new RangeError(`Welch t-test: needs at least 2 values a side, got ${nA} and ${nB}`);
  const [meanA, meanB] = [mean(a), mean(b)];
  const [vA, vB] = [sampleVariance(a, meanA) / nA, sampleVariance(b, meanB) / nB];
  const se2 = vA + vB;
  const df = se2 === 0 ? nA + nB - 2 : se2 ** 2 / (vA ** 2 / (nA - 1) + vB ** 2 / (nB - 1));
  const meanDiff = meanA - meanB;
  return { nA, nB, meanA, meanB, meanDiff, df, ...tOf(meanDiff, se2, df) };
}
