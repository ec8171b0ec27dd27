// Results tables render the numbers they are given: mean ± std over seeds, relative improvement over
// the baseline row, the user-level paired test on seed-averaged per-user values (the `*`), the test
// over seeds and the pooled (seed, user) test — in Markdown, CSV and LaTeX.
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildResultsTable, stat, rowLabel, type RunGroup, type SeedRun } from '../../src/report/results-table.ts';
import { resultsMarkdown, resultsCsv, resultsLatex } from '../../src/report/table-format.ts';

/** A run whose per-user recall is `values` (users 0..n-1) and whose mean recall is their mean. */
function seedRun(seed: number, values: number[], ndcg: number, seconds = 1.5): SeedRun {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return {
    seed, valid: { 'recall@20': mean, 'ndcg@20': ndcg }, test: { 'recall@20': mean, 'ndcg@20': ndcg }, secondsPerEpoch: seconds, bestEpoch: 10 + seed, epochsRun: 30,
    perUserTest: { users: Int32Array.from(values, (_, i) => i), perUser: { 'recall@20': Float64Array.from(values), 'ndcg@20': Float64Array.from(values, () => ndcg) } },
  };
}
const closeTo = (x: number, want: number, what: string, tol = 1e-10) => assert.ok(Math.abs(x - want) <= tol, `${what}: got ${x}, expected ${want}`);
/** Two-tailed p of Student's t with 3 df, and with 1 df, in closed form. */
const pDf3 = (t: number) => { const th = Math.atan(t / Math.sqrt(3)); return 1 - (2 / Math.PI) * (th + Math.sin(th) * Math.cos(th)); };
const pDf1 = (t: number) => 1 - (2 / Math.PI) * Math.atan(t);

// BM3, seeds 1 and 2 on both rows. Per-user means: BM3 [.1 .25 .25 .2], SGFD-BM3 [.175 .375 .375 .375];
// d = [.075 .125 .125 .175], mean .125, s² = .005/3, se = √(.005/12), t = .125·√2400 = √37.5, df 3 → p ≈ 0.0088.
// Seed means: BM3 [.2 .2], SGFD-BM3 [.3 .35] → d = [.1 .15], t = .125/.025 = 5, df 1 → p ≈ 0.13.
const baseValues = [[0.1, 0.2, 0.3, 0.2], [0.1, 0.3, 0.2, 0.2]];
const sgfdValues = [[0.2, 0.3, 0.45, 0.25], [0.15, 0.45, 0.3, 0.5]];
// GRCN on seeds 1, 2, 3, SGFD-GRCN on seeds 1, 2 (test/eval/seed-comparison.test.ts works these out):
// user level t = 3, df 3 → p = 1/3 − √3/(2π) ≈ 0.058 (no *), seeds by Welch p ≈ 0.15, yet the pooled
// (seed, user) test over seeds 1 and 2 gives p ≈ 0.020 — the old `*`.
const grcnValues = [[0.2, 0.2, 0.1, 0.3], [0.4, 0.4, 0.3, 0.5], [0.3, 0.3, 0.2, 0.4]];
const sgfdGrcnValues = [[0.3, 0.5, 0.2, 0.6], [0.5, 0.3, 0.4, 0.8]];
const group = (backbone: string, variant: string, values: number[][], config: RunGroup['config'] = { lr: 0.001 }): RunGroup =>
  ({ backbone, variant, label: rowLabel(backbone, variant), config, runs: values.map((v, s) => seedRun(s + 1, v, 0.1)) });
const groups: RunGroup[] = [
  group('bm3', 'vanilla', baseValues), group('bm3', 'sgfd', sgfdValues, { lr: 0.001, 'sgfd.tau': 10 }),
  group('grcn', 'vanilla', grcnValues), group('grcn', 'sgfd', sgfdGrcnValues),
];
const table = buildResultsTable(groups, { title: 'Toy', metrics: ['recall@20', 'ndcg@20'], baseline: 'vanilla', alpha: 0.05 });

test('mean ± sample std over seeds, relative improvement, the three tests against the baseline row', () => {
  const [base, sgfd, grcn, sgfdGrcn] = table.rows;
  assert.deepEqual(table.rows.map((r) => r.label), ['BM3', 'SGFD-BM3', 'GRCN', 'SGFD-GRCN']);
  const means = (vs: number[][]) => vs.map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  assert.deepEqual(sgfd.test['recall@20'], stat(means(sgfdValues)));
  closeTo(sgfd.test['recall@20'].mean, 0.325, 'SGFD-BM3 mean');
  closeTo(sgfd.test['recall@20'].std, Math.sqrt(2 * 0.025 ** 2), 'SGFD-BM3 std of [.3 .35]');
  closeTo(base.test['recall@20'].mean, 0.2, 'BM3 mean');
  closeTo(sgfd.improvement!['recall@20'], 0.625, '0.325 over 0.2 = +62.5 %');
  assert.equal(sgfd.improvement!['ndcg@20'], 0);
  const r = sgfd.tests!['recall@20'];
  assert.deepEqual([r.user!.n, r.user!.df, r.user!.dropped, r.sameSeeds], [4, 3, 0, true]);
  closeTo(r.user!.t, Math.sqrt(37.5), 'user-level t');
  closeTo(r.user!.p, pDf3(Math.sqrt(37.5)), 'user-level p');
  assert.equal(r.seed!.kind, 'paired');
  closeTo(r.seed!.t, 5, 'seed-level t');
  closeTo(r.seed!.p, pDf1(5), 'seed-level p');
  closeTo(r.pooled!, 0.0031204, 'pooled p (8 pairs, SciPy ttest_rel)', 5e-7);
  assert.deepEqual([sgfd.tests!['ndcg@20'].user!.p, sgfd.tests!['ndcg@20'].seed!.p, sgfd.tests!['ndcg@20'].pooled], [1, 1, 1], 'identical values: p = 1');
  assert.equal(base.improvement, null);
  assert.equal(base.tests, null);
  assert.equal(base.baselineSeeds, null);
  const g = sgfdGrcn.tests!['recall@20'];
  assert.equal(g.sameSeeds, false);
  assert.deepEqual(sgfdGrcn.baselineSeeds, [1, 2, 3]);
  closeTo(g.user!.p, 1 / 3 - Math.sqrt(3) / (2 * Math.PI), 'user-level p');
  assert.equal(g.seed!.kind, 'welch');
  closeTo(g.seed!.df, 49 / 17, 'Welch df');
  closeTo(g.pooled!, 0.019942, 'pooled p', 5e-6);
  closeTo(grcn.test['recall@20'].std, 0.1, 'GRCN std of [.2 .4 .3]');
});

test('stat: one value has std 0; an empty list is NaN', () => {
  assert.deepEqual(stat([0.25]), { mean: 0.25, std: 0, n: 1 });
  assert.deepEqual(stat([1, 3]), { mean: 2, std: Math.SQRT2, n: 2 });
  assert.ok(Number.isNaN(stat([]).mean));
});

test('Markdown: percentages, ± std, Δ, the three p columns, * only where the user-level p < alpha', () => {
  const md = resultsMarkdown(table);
  const row = (label: string) => md.split('\n').find((l) => l.startsWith(`| ${label} |`))!;
  assert.match(md, /^\| Model \| Recall@20 \(%\) \| NDCG@20 \(%\) \| Δ Recall@20 \| Δ NDCG@20 \| p Recall@20 \(users\) \| p NDCG@20 \(users\) \| p Recall@20 \(seeds\) \| p NDCG@20 \(seeds\) \| pooled \(seed,user\) p Recall@20 \| pooled \(seed,user\) p NDCG@20 \| valid Recall@20 \(%\) \| s\/epoch \| best epochs \| seeds \|$/m);
  assert.match(row('SGFD-BM3'), /^\| SGFD-BM3 \| 32\.50 ± 3\.54\\\* \| 10\.00 ± 0\.00 \| \+62\.50% \| \+0\.00% \| 0\.0088 \| 1\.0 \| 0\.13 \| 1\.0 \| 0\.0031 \| 1\.0 \| 32\.50 \| 1\.50 \| 11, 12 \| 2 \|$/);
  assert.match(row('BM3'), /^\| BM3 \| 20\.00 ± 0\.00 \| 10\.00 ± 0\.00 \| — \| — \| — \| — \| — \| — \| — \| — \|/);
  // Pooled p 0.020 < 0.05 but user-level p 0.058: no star.
  assert.match(row('SGFD-GRCN'), /^\| SGFD-GRCN \| 45\.00 ± 7\.07 \| 10\.00 ± 0\.00 \| \+50\.00% \| \+0\.00% \| 0\.058 \| 1\.0 \| 0\.15 \(Welch\) \| 1\.0 \(Welch\) \| 0\.020 \| 1\.0 \| 45\.00 \| 1\.50 \| 11, 12 \| 2 \|$/);
  assert.match(row('GRCN'), /\| 30\.00 ± 10\.00 \|.* \| 11, 12, 13 \| 3 \|$/);
  assert.match(md, /^\\\* = two-tailed paired t-test over users against that row, p < 0\.05: each user's metric is averaged over the row's seeds/m);
  assert.match(md, /^"pooled \(seed,user\) p": .*pseudo-replication.*not the \\\*\.  $/m);
  assert.match(md, /^SGFD-GRCN ran seeds 1, 2 and GRCN seeds 1, 2, 3: each row's per-user values are averaged over its own seeds, and the test over seeds is Welch's\.  $/m);
  assert.doesNotMatch(md, /SGFD-BM3 ran seeds/);
  assert.doesNotMatch(md, /left out of the user-level test/);
  assert.match(md, /- SGFD-BM3: lr=0\.001, sgfd\.tau=10/);
});

test('CSV: raw fractions at full precision, one row per model, the three p-values, the quoted config last', () => {
  const lines = resultsCsv(table).trim().split('\n');
  const header = lines[0].split(',');
  assert.equal(header[header.length - 1], 'config');
  const cells = (i: number) => lines[i].split(',');
  const at = (i: number, col: string) => (col === 'config' ? cells(i).slice(header.length - 1).join(',') : cells(i)[header.indexOf(col)]);
  assert.equal(lines.length, 5);
  const [sgfd, sgfdGrcn] = [table.rows[1], table.rows[3]];
  assert.equal(Number(at(2, 'recall@20_mean')), sgfd.test['recall@20'].mean);
  assert.equal(Number(at(2, 'recall@20_improvement')), sgfd.improvement!['recall@20']);
  assert.equal(Number(at(2, 'recall@20_p_users')), sgfd.tests!['recall@20'].user!.p);
  assert.equal(Number(at(2, 'recall@20_p_seeds')), sgfd.tests!['recall@20'].seed!.p);
  assert.equal(Number(at(2, 'recall@20_p_pooled')), sgfd.tests!['recall@20'].pooled);
  assert.deepEqual([at(2, 'recall@20_users'), at(2, 'recall@20_users_dropped'), at(2, 'recall@20_seed_test')], ['4', '0', 'paired']);
  assert.equal(at(2, 'recall@20_significant'), 'true');
  assert.equal(at(2, 'ndcg@20_significant'), 'false');
  assert.equal(at(4, 'recall@20_significant'), 'false', 'user-level p 0.058: not significant, whatever the pooled p');
  assert.equal(Number(at(4, 'recall@20_p_pooled')), sgfdGrcn.tests!['recall@20'].pooled);
  assert.equal(at(4, 'recall@20_seed_test'), 'welch');
  assert.deepEqual([at(4, 'seeds'), at(4, 'n_seeds'), at(4, 'baseline_seeds')], ['1 2', '2', '1 2 3']);
  assert.deepEqual([at(1, 'recall@20_p_users'), at(1, 'recall@20_significant'), at(1, 'recall@20_seed_test')], ['', '', '']);
  assert.equal(at(2, 'config'), '"lr=0.001, sgfd.tau=10"');
  assert.equal(at(2, 'seeds'), '1 2');
});

test('LaTeX: booktabs rows with \\pm, $^{*}$ by the user-level test, the p columns and escaped labels', () => {
  const tex = resultsLatex({ ...table, rows: table.rows.map((r) => ({ ...r, label: r.label.replace('SGFD-BM3', 'SGFD_BM3 & co') })) });
  assert.match(tex, /\\toprule/);
  assert.match(tex, /\\begin\{tabular\}\{lrrrrrrrrrrrr\}/);
  assert.match(tex, /^SGFD\\_BM3 \\& co & 32\.50\\,\$\\pm\$\\,3\.54\$\^\{\*\}\$ & 10\.00\\,\$\\pm\$\\,0\.00 & \+62\.50\\% & \+0\.00\\% & 0\.0088 & 1\.0 & 0\.13 & 1\.0 & 0\.0031 & 1\.0 & 1\.50 & 2 \\\\$/m);
  assert.match(tex, /^SGFD-GRCN & 45\.00\\,\$\\pm\$\\,7\.07 & .* & 0\.058 & 1\.0 & 0\.15\$\^\{\\dagger\}\$ & 1\.0\$\^\{\\dagger\}\$ & 0\.020 & 1\.0 & 1\.50 & 2 \\\\$/m);
  assert.match(tex, /^BM3 & 20\.00\\,\$\\pm\$\\,0\.00 & 10\.00\\,\$\\pm\$\\,0\.00 & -- & -- & -- & -- & -- & -- & -- & -- & 1\.50 & 2 \\\\$/m);
  assert.match(tex, /\$\^\{\*\}\$: two-tailed paired t-test over users/);
});

test('a single seed prints no ± and its test over seeds is n/a; a group without a baseline row gets no Δ', () => {
  const one = buildResultsTable([{ ...groups[1], runs: groups[1].runs.slice(0, 1) }], { title: 'One', metrics: ['recall@20'], baseline: 'vanilla', alpha: 0.05 });
  const md = resultsMarkdown(one);
  assert.match(md, /\| SGFD-BM3 \| 30\.00 \| — \|/);
  const pair = buildResultsTable([{ ...groups[0], runs: groups[0].runs.slice(0, 1) }, { ...groups[1], runs: groups[1].runs.slice(0, 1) }], { title: 'One seed', metrics: ['recall@20'], baseline: 'vanilla', alpha: 0.05 });
  assert.equal(pair.rows[1].tests!['recall@20'].seed, null);
  // One seed a side: the user-level and the pooled test are the same test.
  assert.equal(pair.rows[1].tests!['recall@20'].pooled, pair.rows[1].tests!['recall@20'].user!.p);
  assert.match(resultsMarkdown(pair), /\| SGFD-BM3 \| 30\.00\\\* \| \+50\.00% \| 0\.016 \| n\/a \| 0\.016 \|/);
});

test('users missing from a run are counted in a note; runs without per-user values get no user-level p and no *', () => {
  const short = { ...groups[1], runs: [groups[1].runs[0], { ...groups[1].runs[1], perUserTest: { users: Int32Array.from([0, 1, 2]), perUser: { 'recall@20': Float64Array.from([0.15, 0.45, 0.3]), 'ndcg@20': Float64Array.from([0.1, 0.1, 0.1]) } } }] };
  const t = buildResultsTable([groups[0], short], { title: 'Short', metrics: ['recall@20'], baseline: 'vanilla', alpha: 0.05 });
  assert.equal(t.rows[1].tests!['recall@20'].user!.n, 3);
  assert.match(resultsMarkdown(t), /^SGFD-BM3 against BM3: 1 user\(s\) missing from some run left out of the user-level test\.  $/m);
  const bare = (g: RunGroup): RunGroup => ({ ...g, runs: g.runs.map((r) => ({ ...r, perUserTest: undefined })) });
  const noUsers = buildResultsTable([bare(groups[0]), bare(groups[1])], { title: 'Bare', metrics: ['recall@20'], baseline: 'vanilla', alpha: 0.05 });
  assert.match(resultsMarkdown(noUsers), /^\| SGFD-BM3 \| 32\.50 ± 3\.54 \| \+62\.50% \| — \| 0\.13 \| — \|/m);
});
