// Significance of variant A against baseline B when each ran several seeds on the same users.
// Users are the independent unit: a user evaluated under 3 seeds is one observation measured 3
// times, not 3 observations. So the headline test averages each user's metric over A's seeds and
// over B's seeds and runs a paired t-test over users of those means. Beside it: a test over seeds
// (per-seed mean metric: paired by seed when both ran the same seeds, else Welch's), and — for
// reference only — the pooled test over (seed, user) pairs, whose p is too small because every
// user counts once per seed (pseudo-replication).
import { mean, pairedTTest, pairedTTestOfPairs, welchTTest, type PairedTTest, type PerUserValues } from './significance.ts';

/** One seed's run of one side, for one metric. */
export interface SeedSample {
  seed: number;
  /** The run's mean metric (the per-seed value). */
  value: number;
  /** Per-user values of the metric; absent → no user-level or pooled test. */
  perUser?: PerUserValues;
}

export interface UserLevelTest extends PairedTTest {
  /** Users in some run of A or B but not in all of them, left out of the test. */
  dropped: number;
}

export interface SeedLevelTest {
  /** `paired`: both sides ran the same seeds, differences taken per seed; `welch`: otherwise. */
  kind: 'paired' | 'welch';
  nA: number;
  nB: number;
  /** mean over A's seeds − mean over B's seeds. */
  meanDiff: number;
  t: number;
  df: number;
  p: number;
}

export interface SeedComparison {
  /** Headline: paired t-test over users of seed-averaged per-user values (null without them, or < 2 users). */
  user: UserLevelTest | null;
  /** Per-seed means (null with fewer than 2 seeds a side). */
  seed: SeedLevelTest | null;
  /** p of the pooled (seed, user) paired test over the seeds both sides ran (reference only; null without). */
  pooled: number | null;
  /** Whether A and B ran the same set of seeds. */
  sameSeeds: boolean;
}

function userMap(run: PerUserValues, i: number): Map<number, number> {
  if (run.users.length !== run.values.length) throw new RangeError(`user-level test: run ${i} needs one value per user id`);
  const m = new Map<number, number>();
  for (let j = 0; j < run.users.length; j++) {
    if (m.has(run.users[j])) throw new RangeError(`user-level test: run ${i} lists user ${run.users[j]} twice`);
    m.set(run.users[j], run.values[j]);
  }
  return m;
}

/** Per-user values averaged over each side's runs, for the users present in every run of both sides. */
function seedAveraged(a: readonly PerUserValues[], b: readonly PerUserValues[]): { xa: number[]; xb: number[]; dropped: number } {
  if (a.length === 0 || b.length === 0) throw new RangeError(`user-level test: needs at least one run a side, got ${a.length} and ${b.length}`);
  const maps = [...a, ...b].map(userMap);
  const every = new Set<number>();
  for (const m of maps) for (const u of m.keys()) every.add(u);
  const common = [...maps[0].keys()].filter((u) => maps.every((m) => m.has(u)));
  const averaged = (side: Map<number, number>[]) => common.map((u) => mean(side.map((m) => m.get(u)!)));
  return { xa: averaged(maps.slice(0, a.length)), xb: averaged(maps.slice(a.length)), dropped: every.size - common.length };
}

/**
 * Two-tailed paired t-test of A against B over users: for every user present in every run of both
 * sides, x̄_A(u) = mean of u's values over A's runs, x̄_B(u) likewise over B's runs (each side over
 * its own seeds, however many), then d(u) = x̄_A(u) − x̄_B(u), t = mean(d) / (s_d / √n), df = n − 1.
 */
export function userLevelTTest(a: readonly PerUserValues[], b: readonly PerUserValues[]): UserLevelTest {
  const { xa, xb, dropped } = seedAveraged(a, b);
  return { ...pairedTTestOfPairs(xa, xb, 'users present in every run'), dropped };
}

const sameSeedSet = (a: readonly number[], b: readonly number[]) => {
  const [sa, sb] = [new Set(a), new Set(b)];
  return sa.size === a.length && sb.size === b.length && sa.size === sb.size && [...sa].every((s) => sb.has(s));
};

/**
 * The per-seed mean metric of A against B: a paired t-test over seeds (A's seed s − B's seed s)
 * when both ran the same seeds, else Welch's t-test. Null with fewer than 2 seeds a side.
 */
export function seedLevelTest(a: readonly SeedSample[], b: readonly SeedSample[]): SeedLevelTest | null {
  if (a.length < 2 || b.length < 2) return null;
  if (sameSeedSet(a.map((r) => r.seed), b.map((r) => r.seed))) {
    const valueOfB = new Map(b.map((r) => [r.seed, r.value]));
    const t = pairedTTestOfPairs(a.map((r) => r.value), a.map((r) => valueOfB.get(r.seed)!), 'seeds');
    return { kind: 'paired', nA: t.n, nB: t.n, meanDiff: t.meanDiff, t: t.t, df: t.df, p: t.p };
  }
  const w = welchTTest(a.map((r) => r.value), b.map((r) => r.value));
  return { kind: 'welch', nA: w.nA, nB: w.nB, meanDiff: w.meanDiff, t: w.t, df: w.df, p: w.p };
}

/**
 * The pooled test (reference only): each (seed, user) of A paired with the same (seed, user) of B,
 * over the seeds both sides ran with per-user values. Null when there is no such seed or < 2 pairs.
 */
export function pooledTTest(a: readonly SeedSample[], b: readonly SeedSample[]): PairedTTest | null {
  const side = (runs: readonly SeedSample[], seeds: number[]) => {
    const users: number[] = [];
    const values: number[] = [];
    seeds.forEach((seed, k) => {
      const pu = runs.find((r) => r.seed === seed)!.perUser!;
      for (let j = 0; j < pu.users.length; j++) { users.push(k * 2 ** 31 + pu.users[j]); values.push(pu.values[j]); }
    });
    return { users, values };
  };
  const seeds = [...new Set(a.filter((r) => r.perUser && b.some((o) => o.seed === r.seed && o.perUser)).map((r) => r.seed))];
  if (seeds.length === 0) return null;
  const [pa, pb] = [side(a, seeds), side(b, seeds)];
  const shared = new Set(pb.users);
  if (pa.users.filter((u) => shared.has(u)).length < 2) return null;
  return pairedTTest(pa, pb);
}

/** All three tests of A against B for one metric. */
export function compareSeeds(a: readonly SeedSample[], b: readonly SeedSample[]): SeedComparison {
  const withUsers = a.length > 0 && b.length > 0 && [...a, ...b].every((r) => r.perUser);
  let user: UserLevelTest | null = null;
  if (withUsers) {
    const { xa, xb, dropped } = seedAveraged(a.map((r) => r.perUser!), b.map((r) => r.perUser!));
    if (xa.length >= 2) user = { ...pairedTTestOfPairs(xa, xb), dropped };
  }
  return {
    user,
    seed: seedLevelTest(a, b),
    pooled: pooledTTest(a, b)?.p ?? null,
    sameSeeds: sameSeedSet(a.map((r) => r.seed), b.map((r) => r.seed)),
  };
}
