// A results table: per (backbone, variant) the test metrics as mean ± std over seeds, the relative
// improvement over the backbone's baseline variant, and a two-tailed paired t-test against it over
// (seed, user) pairs — the paper's Table 2/3 shape, for any runs.
import { pairedTTest } from '../eval/significance.ts';

export interface PerUser { users: Int32Array; perUser: Record<string, Float64Array> }

/** One finished run of a chosen configuration. */
export interface SeedRun {
  seed: number;
  valid: Record<string, number>;
  test: Record<string, number>;
  secondsPerEpoch: number;
  bestEpoch: number;
  epochsRun: number;
  /** Per-user test values (for the paired test); absent → no p-value. */
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
  /** Two-tailed paired t-test p-value per metric (null without per-user values). */
  p: Record<string, number> | null;
}

export interface ResultsTable { title: string; metrics: string[]; alpha: number; baseline: string; rows: ResultRow[] }

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function stat(xs: readonly number[]): Stat {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

function metricOf(r: Record<string, number>, metric: string, where: string): number {
  const v = r[metric];
  if (v === undefined) throw new Error(`${where}: no metric '${metric}'; available: ${Object.keys(r).join(', ')}`);
  return v;
}

/**
 * Pools the per-user values of the seeds both groups ran: pair (seed, user) of A with the same
 * (seed, user) of B. Null when either side lacks per-user values or they share no seed.
 */
export function pooledPairs(a: RunGroup, b: RunGroup, metric: string): { a: { users: number[]; values: number[] }; b: { users: number[]; values: number[] } } | null {
  const side = (g: RunGroup, seeds: number[]) => {
    const users: number[] = [];
    const values: number[] = [];
    for (const [k, seed] of seeds.entries()) {
      const run = g.runs.find((r) => r.seed === seed)!;
      const pu = run.perUserTest!;
      const vals = pu.perUser[metric];
      if (!vals) throw new Error(`${g.backbone}/${g.variant} seed ${seed}: no per-user values of '${metric}'`);
      const offset = k * 2 ** 31;
      pu.users.forEach((u, j) => { users.push(offset + u); values.push(vals[j]); });
    }
    return { users, values };
  };
  const seeds = a.runs.filter((r) => r.perUserTest && b.runs.some((o) => o.seed === r.seed && o.perUserTest)).map((r) => r.seed);
  if (seeds.length === 0) return null;
  return { a: side(a, seeds), b: side(b, seeds) };
}

export interface TableOptions { title: string; metrics: string[]; baseline: string; alpha: number }

export function buildResultsTable(groups: readonly RunGroup[], o: TableOptions): ResultsTable {
  const rows = groups.map((g): ResultRow => {
    const where = `${g.backbone}/${g.variant}`;
    const pick = (split: 'test' | 'valid') => Object.fromEntries(o.metrics.map((m) => [m, stat(g.runs.map((r) => metricOf(r[split], m, `${where} seed ${r.seed} ${split}`)))]));
    const test = pick('test');
    const base = g.variant === o.baseline ? undefined : groups.find((x) => x.backbone === g.backbone && x.variant === o.baseline);
    let improvement: Record<string, number> | null = null;
    let p: Record<string, number> | null = null;
    if (base) {
      const baseTest = o.metrics.map((m) => stat(base.runs.map((r) => metricOf(r.test, m, `${base.backbone}/${base.variant} seed ${r.seed} test`))).mean);
      improvement = Object.fromEntries(o.metrics.map((m, i) => [m, (test[m].mean - baseTest[i]) / baseTest[i]]));
      const tests = o.metrics.map((m) => {
        const pairs = pooledPairs(g, base, m);
        return pairs && pairs.a.users.length >= 2 ? pairedTTest(pairs.a, pairs.b).p : null;
      });
      p = tests.every((x) => x !== null) ? Object.fromEntries(o.metrics.map((m, i) => [m, tests[i] as number])) : null;
    }
    return {
      backbone: g.backbone, variant: g.variant, label: g.label, config: g.config, seeds: g.runs.map((r) => r.seed),
      test, valid: pick('valid'), secondsPerEpoch: stat(g.runs.map((r) => r.secondsPerEpoch)), bestEpochs: g.runs.map((r) => r.bestEpoch),
      baseline: base ? base.label : null, improvement, p,
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
