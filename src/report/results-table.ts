// A results table: per (backbone, variant) the test metrics as mean ± std over seeds, the relative
// improvement over the backbone's baseline variant and its significance against it — headline: a
// two-tailed paired t-test over users of per-user values averaged over seeds; beside it a test over
// seeds and the pooled (seed, user) test for reference — the paper's Table 2/3 shape, for any runs.
import { compareSeeds, type SeedComparison, type SeedSample } from '../eval/index.ts';
import { mean as meanOf } from '../eval/index.ts';

export interface PerUser { users: Int32Array; perUser: Record<string, Float64Array> }

/** One finished run of a chosen configuration. */
export interface SeedRun {
  seed: number;
  valid: Record<string, number>;
  test: Record<string, number>;
  secondsPerEpoch: number;
  bestEpoch: number;
  epochsRun: number;
  /** Per-user test values (for the user-level and pooled tests); absent → no such p-value. */
  perUserTest?: PerUser;
}

export interface RunGroup {
  backbone: string;
  /** The variant's name in the pipeline (e.g. vanilla, sgfd, sgfd-reference). */
  variant: string;
  label: string;
  /** The chosen configuration (search parameters). */
  config: Record<string, string | number | boolean>;
  runs: SeedRun[];
}

export interface Stat { mean: number; std: number; n: number }

export interface ResultRow {
  backbone: string;
  variant: string;
  label: string;
  config: RunGroup['config'];
  seeds: number[];
  test: Record<string, Stat>;
  valid: Record<string, Stat>;
  secondsPerEpoch: Stat;
  bestEpochs: number[];
  /** Against the backbone's baseline variant (null for the baseline itself, or when there is none). */
  baseline: string | null;
  /** (mean − baseline mean) / baseline mean, per metric. */
  improvement: Record<string, number> | null;
  /** The baseline row's seeds (null without a baseline). */
  baselineSeeds: number[] | null;
  /**
   * Per metric against the baseline row (null for the baseline itself, or when there is none):
   * `user` is the headline test (the `*`), `seed` the test over seeds, `pooled` for reference only.
   */
  tests: Record<string, SeedComparison> | null;
}

export interface ResultsTable { title: string; metrics: string[]; alpha: number; baseline: string; rows: ResultRow[] }

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function stat(xs: readonly number[]): Stat {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = meanOf(xs);
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

function metricOf(r: Record<string, number>, metric: string, where: string): number {
  const v = r[metric];
  if (v === undefined) throw new Error(`${where}: no metric '${metric}'; available: ${Object.keys(r).join(', ')}`);
  return v;
}

/** One side of a comparison for `metric`: each seed's mean test value and its per-user test values. */
export function seedSamples(g: RunGroup, metric: string): SeedSample[] {
  return g.runs.map((r) => {
    const where = `${g.backbone}/${g.variant} seed ${r.seed}`;
    const value = metricOf(r.test, metric, `${where} test`);
    if (!r.perUserTest) return { seed: r.seed, value };
    const values = r.perUserTest.perUser[metric];
    if (!values) throw new Error(`${where}: no per-user values of '${metric}'`);
    return { seed: r.seed, value, perUser: { users: r.perUserTest.users, values } };
  });
}

/** Whether the row's `user` test of `metric` is significant (the `*`): p < alpha. */
export function significant(t: ResultsTable, r: ResultRow, metric: string): boolean {
  const p = r.tests?.[metric]?.user?.p;
  return p !== undefined && p < t.alpha;
}

export interface TableOptions { title: string; metrics: string[]; baseline: string; alpha: number }

export function buildResultsTable(groups: readonly RunGroup[], o: TableOptions): ResultsTable {
  const rows = groups.map((g): ResultRow => {
    const where = `${g.backbone}/${g.variant}`;
    const pick = (split: 'test' | 'valid') => Object.fromEntries(o.metrics.map((m) => [m, stat(g.runs.map((r) => metricOf(r[split], m, `${where} seed ${r.seed} ${split}`)))]));
    const test = pick('test');
    const base = g.variant === o.baseline ? undefined : groups.find((x) => x.backbone === g.backbone && x.variant === o.baseline);
    let improvement: Record<string, number> | null = null;
    let tests: Record<string, SeedComparison> | null = null;
    if (base) {
      const baseTest = o.metrics.map((m) => stat(base.runs.map((r) => metricOf(r.test, m, `${base.backbone}/${base.variant} seed ${r.seed} test`))).mean);
      improvement = Object.fromEntries(o.metrics.map((m, i) => [m, (test[m].mean - baseTest[i]) / baseTest[i]]));
      tests = Object.fromEntries(o.metrics.map((m) => [m, compareSeeds(seedSamples(g, m), seedSamples(base, m))]));
    }
    return {
      backbone: g.backbone, variant: g.variant, label: g.label, config: g.config, seeds: g.runs.map((r) => r.seed),
      test, valid: pick('valid'), secondsPerEpoch: stat(g.runs.map((r) => r.secondsPerEpoch)), bestEpochs: g.runs.map((r) => r.bestEpoch),
      baseline: base ? base.label : null, improvement, baselineSeeds: base ? base.runs.map((r) => r.seed) : null, tests,
    };
  });
  return { title: o.title, metrics: o.metrics, alpha: o.alpha, baseline: o.baseline, rows };
}

/** The paper's names: BM3 for the vanilla backbone, SGFD-BM3 for full SGFD, BM3 (name) otherwise. */
export function rowLabel(backbone: string, variant: string): string {
  const b = backbone.toUpperCase();
  if (variant === 'vanilla') return b;
  if (variant === 'sgfd') return `SGFD-${b}`;
  return `${b} (${variant})`;
}

/** recall@20 → Recall@20, ndcg@20 → NDCG@20 (the paper's column names). */
export function metricTitle(metric: string): string {
  const [name, k] = metric.split('@');
  const names: Record<string, string> = { recall: 'Recall', ndcg: 'NDCG', precision: 'Precision', hit: 'HitRate', map: 'MAP' };
  return `${names[name] ?? name}${k ? `@${k}` : ''}`;
}
