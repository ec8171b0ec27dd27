// `sgfd compare A B`: baseline A against B, each one run or several seeds' runs. Per metric: mean ±
// std over seeds, Δ of B over A, the headline paired t-test over users of per-user values averaged
// over each side's seeds (`*` when p < alpha), a test over seeds and the pooled (seed, user) test
// for reference (see src/eval/seed-comparison.ts).
import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readPerUser, readJson, RUN_FILES } from '../run/index.ts';
import { runDatasetDigest } from '../run/index.ts';
import { compareSeeds, type SeedSample } from '../eval/index.ts';
import { stat } from '../report/index.ts';
import { formatRows } from './tables.ts';

export interface ComparedRun {
  dir: string; seed: number; users: Int32Array; perUser: Record<string, Float64Array>;
  /** The dataset it trained on: its digest (dataset.json, or the pipeline's record) and, from config.json, its name and size. */
  dataset?: { digest: string | null; name: string; users: number; items: number };
}

/**
 * The run directories of one side: `DIR` (a run), `DIR1,DIR2,…` (one run per seed), or a directory
 * whose `seed-<n>/` subdirectories are runs (a pipeline's `train/<backbone>/<variant>/<trial>/`).
 * A spec that is an existing path is one directory even with commas in it (halving searches name
 * trials `lr=0.01,pruning=false,…`).
 */
export function runDirs(spec: string, split: string): string[] {
  const dirs = existsSync(spec) ? [spec] : spec.split(',').filter((d) => d.trim());
  return dirs.flatMap((dir) => {
    if (existsSync(join(dir, RUN_FILES.perUser(split)))) return [dir];
    const seeds = existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((n) => /^seed-\d+$/.test(n)) : [];
    if (seeds.length === 0) throw new Error(`${dir}: neither a finished run (${RUN_FILES.perUser(split)}) nor a directory of seed-<n>/ runs`);
    return seeds.sort((x, y) => Number(x.slice(5)) - Number(y.slice(5))).map((n) => join(dir, n));
  });
}

/** A run's per-user values of `split` and its seed (config.json `train.seed`). */
export function readComparedRun(dir: string, split: string): ComparedRun {
  const config = readJson<{ train?: { seed?: unknown }; dataset?: { name?: string; users?: number; items?: number } }>(join(dir, RUN_FILES.config));
  const seed = config.train?.seed;
  if (typeof seed !== 'number') throw new Error(`${join(dir, RUN_FILES.config)}: no train.seed`);
  const d = config.dataset;
  const dataset = d ? { digest: runDatasetDigest(dir), name: String(d.name ?? ''), users: Number(d.users), items: Number(d.items) } : undefined;
  return { dir, seed, ...readPerUser(join(dir, RUN_FILES.perUser(split))), ...(dataset ? { dataset } : {}) };
}

/**
 * Every run compared must have trained on the same dataset: a paired test over users pairs the same
 * users' held-out items. Same digest where both runs record one (runs before dataset.json: same
 * name and size); otherwise an error naming both runs and their datasets.
 */
export function checkSameDataset(runs: readonly ComparedRun[]): void {
  const known = runs.filter((r) => r.dataset);
  const show = (r: ComparedRun) => `${r.dir} (dataset '${r.dataset!.name}', ${r.dataset!.users} users × ${r.dataset!.items} items${r.dataset!.digest ? `, digest ${r.dataset!.digest.slice(0, 12)}` : ''})`;
  for (const r of known.slice(1)) {
    const [a, b] = [known[0].dataset!, r.dataset!];
    const differ = a.digest && b.digest ? a.digest !== b.digest : a.name !== b.name || a.users !== b.users || a.items !== b.items;
    const why = a.digest && b.digest ? 'their digests differ' : 'their names or sizes differ';
    if (differ) throw new Error(`runs trained on different datasets (${why}): ${show(known[0])} vs ${show(r)}; a paired test over users needs the same users and held-out items`);
  }
}

const meanOf = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
const pText = (p: number | null | undefined) => (p === null || p === undefined ? '—' : p.toPrecision(3));

/** One side's samples of `metric`: per seed the mean over the run's users (its metric) and the per-user values. */
function samples(runs: readonly ComparedRun[], metric: string): SeedSample[] {
  return runs.map((r) => {
    const values = r.perUser[metric];
    if (!values) throw new Error(`${r.dir}: no per-user '${metric}'; available ${Object.keys(r.perUser).join(', ')}`);
    return { seed: r.seed, value: meanOf(values), perUser: { users: r.users, values } };
  });
}

/** The comparison as text: one row per metric, then what the columns mean. */
export function compareText(a: readonly ComparedRun[], b: readonly ComparedRun[], o: { metric: string; alpha: number; names?: [string, string] }): string {
  const metrics = o.metric === 'all' ? Object.keys(a[0].perUser) : [o.metric];
  const rows = [['metric', 'A', 'B', 'Δ', 'p users', 't users', 'users', 'p seeds', 'pooled (seed,user) p']];
  const notes = new Set<string>();
  const spread = (xs: number[]) => { const s = stat(xs); return s.n > 1 ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : s.mean.toFixed(4); };
  for (const m of metrics) {
    const [sa, sb] = [samples(a, m), samples(b, m)];
    const c = compareSeeds(sb, sa);
    const [meanA, meanB] = [stat(sa.map((s) => s.value)).mean, stat(sb.map((s) => s.value)).mean];
    const seed = c.seed ? `${pText(c.seed.p)}${c.seed.kind === 'welch' ? ' (Welch)' : ''}` : 'n/a';
    const star = c.user && c.user.p < o.alpha ? '*' : '';
    rows.push([m, spread(sa.map((s) => s.value)), spread(sb.map((s) => s.value)), `${(((meanB - meanA) / meanA) * 100).toFixed(2)}%`,
      `${pText(c.user?.p)}${star}`, c.user ? c.user.t.toFixed(3) : '—', c.user ? String(c.user.n) : '—', seed, pText(c.pooled)]);
    if (!c.sameSeeds) notes.add('A and B ran different seeds: each side\'s per-user values are averaged over its own seeds; the test over seeds is Welch\'s.');
    if (c.user && c.user.dropped > 0) notes.add(`${c.user.dropped} user(s) missing from some run left out of the user-level test.`);
  }
  const [nameA, nameB] = o.names ?? ['A', 'B'];
  const side = (label: string, name: string, runs: readonly ComparedRun[]) => `${label} = ${name} (${runs.length} run${runs.length === 1 ? '' : 's'}, seeds ${runs.map((r) => r.seed).join(', ')})`;
  return [
    side('A', nameA, a), side('B', nameB, b), formatRows(rows).trimEnd(),
    `Δ = (B − A) / A of the means over seeds. p users: two-tailed paired t-test over users of B − A, each user's value averaged over each side's seeds (* = p < ${o.alpha}; the headline test).`,
    'p seeds: the per-seed means, paired by seed when both ran the same seeds, else Welch\'s; n/a with fewer than 2 seeds a side.',
    'pooled (seed,user) p: (seed, user) pairs of the seeds both ran; users repeat once per seed (pseudo-replication), so it understates p. For reference only.',
    ...notes, '',
  ].join('\n');
}

export const compareCommand: CommandModule<object, { a: string; b: string; metric: string; split: string; alpha: number }> = {
  command: 'compare <a> <b>',
  describe: 'Compare baseline runs A with runs B over their seeds: mean ± std, Δ, paired t-test over users of seed-averaged values, a test over seeds, the pooled (seed, user) test',
  builder: (y) => y
    .positional('a', { type: 'string', demandOption: true, describe: 'baseline: a run directory, DIR1,DIR2,… (one run per seed), or a directory of seed-<n>/ runs' })
    .positional('b', { type: 'string', demandOption: true, describe: 'the runs compared with it (same forms)' })
    .option('metric', { type: 'string', default: 'ndcg@20', describe: 'a metric, or all' })
    .option('split', { choices: ['test', 'valid'], default: 'test' })
    .option('alpha', { type: 'number', default: 0.05, describe: 'significance level of the * (user-level test)' }) as never,
  handler: (a) => {
    const read = (spec: string) => runDirs(spec, a.split).map((dir) => readComparedRun(dir, a.split));
    const [runsA, runsB] = [read(a.a), read(a.b)];
    checkSameDataset([...runsA, ...runsB]);
    process.stdout.write(compareText(runsA, runsB, { metric: a.metric, alpha: a.alpha, names: [a.a, a.b] }));
  },
};
