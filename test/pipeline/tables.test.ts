// Results tables render the numbers they are given: mean ± std over seeds, relative improvement over
// the baseline row, the paired-test marker — in Markdown, CSV and LaTeX.
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildResultsTable, stat, rowLabel, type RunGroup, type SeedRun } from '../../src/report/results-table.ts';
import { resultsMarkdown, resultsCsv, resultsLatex } from '../../src/report/table-format.ts';
import { pairedTTest } from '../../src/eval/significance.ts';

/** A run whose per-user recall is `values` (users 0..n-1) and whose mean recall is their mean. */
function seedRun(seed: number, values: number[], ndcg: number, seconds = 1.5): SeedRun {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return {
    seed, valid: { 'recall@20': mean, 'ndcg@20': ndcg }, test: { 'recall@20': mean, 'ndcg@20': ndcg }, secondsPerEpoch: seconds, bestEpoch: 10 + seed, epochsRun: 30,
    perUserTest: { users: Int32Array.from(values, (_, i) => i), perUser: { 'recall@20': Float64Array.from(values), 'ndcg@20': Float64Array.from(values, () => ndcg) } },
  };
}

const baseValues = [[0.1, 0.2, 0.3, 0.2], [0.1, 0.3, 0.2, 0.2]];
// SGFD is better for every user of both seeds, by different amounts (a clearly significant test).
const sgfdValues = [[0.2, 0.3, 0.45, 0.25], [0.15, 0.45, 0.3, 0.3]];
const groups: RunGroup[] = [
  { backbone: 'bm3', variant: 'vanilla', label: rowLabel('bm3', 'vanilla'), config: { lr: 0.001 }, runs: baseValues.map((v, s) => seedRun(s + 1, v, 0.1)) },
  { backbone: 'bm3', variant: 'sgfd', label: rowLabel('bm3', 'sgfd'), config: { lr: 0.001, 'sgfd.tau': 10 }, runs: sgfdValues.map((v, s) => seedRun(s + 1, v, 0.1)) },
];
const table = buildResultsTable(groups, { title: 'Toy', metrics: ['recall@20', 'ndcg@20'], baseline: 'vanilla', alpha: 0.05 });

test('mean ± sample std over seeds, relative improvement, pooled (seed, user) paired test', () => {
  const [base, sgfd] = table.rows;
  assert.deepEqual([base.label, sgfd.label], ['BM3', 'SGFD-BM3']);
  const means = (vs: number[][]) => vs.map((v) => v.reduce((a, b) => a + b, 0) / v.length);
  assert.deepEqual(sgfd.test['recall@20'], stat(means(sgfdValues)));
  assert.ok(Math.abs(sgfd.test['recall@20'].mean - 0.3) < 1e-12 && Math.abs(base.test['recall@20'].mean - 0.2) < 1e-12);
  assert.ok(Math.abs(sgfd.test['recall@20'].std - Math.sqrt(((0.3 - 0.3) ** 2 + (0.3 - 0.3) ** 2) / 1)) < 1e-12);
  assert.ok(Math.abs(sgfd.improvement!['recall@20'] - 0.5) < 1e-12, '0.3 over 0.2 = +50 %');
  assert.equal(sgfd.improvement!['ndcg@20'], 0);
  const pooled = pairedTTest({ users: [0, 1, 2, 3, 4, 5, 6, 7], values: sgfdValues.flat() }, { users: [0, 1, 2, 3, 4, 5, 6, 7], values: baseValues.flat() });
  assert.ok(Math.abs(sgfd.p!['recall@20'] - pooled.p) < 1e-12);
  assert.ok(sgfd.p!['recall@20'] < 0.05);
  assert.equal(sgfd.p!['ndcg@20'], 1, 'identical per-user values: p = 1');
  assert.equal(base.improvement, null);
  assert.equal(base.p, null);
});

test('stat: one value has std 0; an empty list is NaN', () => {
  assert.deepEqual(stat([0.25]), { mean: 0.25, std: 0, n: 1 });
  assert.deepEqual(stat([1, 3]), { mean: 2, std: Math.SQRT2, n: 2 });
  assert.ok(Number.isNaN(stat([]).mean));
});

test('Markdown: percentages, ± std, Δ, the * marker only where p < alpha', () => {
  const md = resultsMarkdown(table);
  const row = (label: string) => md.split('\n').find((l) => l.startsWith(`| ${label} |`))!;
  assert.match(row('SGFD-BM3'), /^\| SGFD-BM3 \| 30\.00 ± 0\.00\\\* \| 10\.00 ± 0\.00 \| \+50\.00% \| \+0\.00% \| 0\.00014 \| 1\.0 \| 30\.00 \| 1\.50 \| 11, 12 \| 2 \|$/);
  assert.match(row('BM3'), /^\| BM3 \| 20\.00 ± 0\.00 \| 10\.00 ± 0\.00 \| — \| — \| — \| — \|/);
  assert.match(md, /- SGFD-BM3: lr=0\.001, sgfd\.tau=10/);
});

test('CSV: raw fractions at full precision, one row per model, the quoted config last', () => {
  const lines = resultsCsv(table).trim().split('\n');
  const header = lines[0].split(',');
  assert.equal(header[header.length - 1], 'config');
  const sgfd = lines[2].split(',');
  const at = (col: string) => (col === 'config' ? sgfd.slice(header.length - 1).join(',') : sgfd[header.indexOf(col)]);
  assert.equal(lines.length, 3);
  assert.equal(Number(at('recall@20_mean')), table.rows[1].test['recall@20'].mean);
  assert.equal(Number(at('recall@20_improvement')), table.rows[1].improvement!['recall@20']);
  assert.equal(Number(at('recall@20_p')), table.rows[1].p!['recall@20']);
  assert.equal(at('recall@20_significant'), 'true');
  assert.equal(at('ndcg@20_significant'), 'false');
  assert.equal(at('config'), '"lr=0.001, sgfd.tau=10"');
  assert.equal(at('seeds'), '1 2');
});

test('LaTeX: booktabs rows with \\pm, $^{*}$ and escaped labels', () => {
  const tex = resultsLatex({ ...table, rows: table.rows.map((r) => ({ ...r, label: r.label.replace('SGFD-BM3', 'SGFD_BM3 & co') })) });
  assert.match(tex, /\\toprule/);
  assert.match(tex, /^SGFD\\_BM3 \\& co & 30\.00\\,\$\\pm\$\\,0\.00\$\^\{\*\}\$ & 10\.00\\,\$\\pm\$\\,0\.00 & \+50\.00\\% & \+0\.00\\% & 1\.50 \\\\$/m);
  assert.match(tex, /^BM3 & 20\.00\\,\$\\pm\$\\,0\.00 & 10\.00\\,\$\\pm\$\\,0\.00 & -- & -- & 1\.50 \\\\$/m);
});

test('a single seed prints no ± and a group without a baseline row gets no Δ', () => {
  const one = buildResultsTable([{ ...groups[1], runs: groups[1].runs.slice(0, 1) }], { title: 'One', metrics: ['recall@20'], baseline: 'vanilla', alpha: 0.05 });
  const md = resultsMarkdown(one);
  assert.match(md, /\| SGFD-BM3 \| 30\.00 \| — \|/);
});
