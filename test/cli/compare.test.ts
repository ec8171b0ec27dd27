// `sgfd compare`: sides given as a run, a comma list of runs or a directory of seed-<n>/ runs; the
// headline user-level test on seed-averaged per-user values (its `*`), the test over seeds and the
// pooled (seed, user) test, on the hand-worked example of test/eval/seed-comparison.test.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeJson, writePerUser, RUN_FILES } from '../../src/run/files.ts';
import { runDirs, readComparedRun, compareText, checkSameDataset } from '../../src/cli/compare.ts';
import { DATASET_RECORD } from '../../src/run/run-dir.ts';
import { RUN_INPUTS } from '../../src/pipeline/runs.ts';
import { sgfd } from '../run/fixtures.ts';

function writeRun(dir: string, seed: number, recall: number[], users = recall.map((_, j) => j)): string {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, RUN_FILES.config), { train: { seed } });
  writePerUser(join(dir, RUN_FILES.perUser('test')), Int32Array.from(users), { 'recall@20': Float64Array.from(recall), 'ndcg@20': Float64Array.from(recall, () => 0.1) });
  return dir;
}

test('compare: seed directories and comma lists, the three tests, the * by the user-level test', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-compare-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // Baseline A = the example's B (3 seeds, as a pipeline trial directory), B = the example's A (2 seeds, a comma list).
  writeRun(join(root, 'base', 'seed-10'), 10, [0.3, 0.3, 0.2, 0.4]);
  writeRun(join(root, 'base', 'seed-2'), 2, [0.4, 0.4, 0.3, 0.5]);
  writeRun(join(root, 'base', 'seed-1'), 1, [0.2, 0.2, 0.1, 0.3]);
  const b1 = writeRun(join(root, 'b1'), 1, [0.3, 0.5, 0.2, 0.6]);
  const b2 = writeRun(join(root, 'b2'), 2, [0.5, 0.3, 0.4, 0.8]);
  assert.deepEqual(runDirs(join(root, 'base'), 'test'), ['seed-1', 'seed-2', 'seed-10'].map((n) => join(root, 'base', n)), 'seed-<n> in numeric order');
  assert.deepEqual(runDirs(`${b1},${b2}`, 'test'), [b1, b2]);
  const trial = join(root, 'lr=0.01,pruning=false');
  writeRun(join(trial, 'seed-1'), 1, [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(runDirs(trial, 'test'), [join(trial, 'seed-1')], 'a halving trial directory, commas and all');
  assert.throws(() => runDirs(root, 'test'), /neither a finished run .* nor a directory of seed-<n>\/ runs/);
  const read = (spec: string) => runDirs(spec, 'test').map((d) => readComparedRun(d, 'test'));
  const text = compareText(read(join(root, 'base')), read(`${b1},${b2}`), { metric: 'all', alpha: 0.05 });
  const line = (m: string) => text.split('\n').find((l) => l.startsWith(m))!;
  assert.match(text, /^A = A \(3 runs, seeds 1, 2, 10\)\nB = B \(2 runs, seeds 1, 2\)\n/);
  // user level t = 3, df 3 → p = 0.0577 (no *); Welch over seeds p = 0.148; pooled over seeds 1, 2 p = 0.0199.
  assert.match(line('recall@20'), /^recall@20 +0\.3000 ± 0\.1000 +0\.4500 ± 0\.0707 +50\.00% +0\.0577 +3\.000 +4 +0\.148 \(Welch\) +0\.0199$/);
  assert.match(line('ndcg@20'), /^ndcg@20 +0\.1000 ± 0\.0000 +0\.1000 ± 0\.0000 +0\.00% +1\.00 +0\.000 +4 +1\.00 \(Welch\) +1\.00$/);
  assert.match(text, /A and B ran different seeds: each side's per-user values are averaged over its own seeds/);
  assert.match(text, /pooled \(seed,user\) p: .*pseudo-replication.*For reference only\./);
  const strict = compareText(read(join(root, 'base')), read(`${b1},${b2}`), { metric: 'recall@20', alpha: 0.06 });
  assert.match(strict, /^recall@20 .* 0\.0577\* /m, 'alpha 0.06: now starred');
});

test('compare: one run a side (the old usage) — the user-level and pooled p agree, seeds n/a, dropped users noted', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-compare-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // d = [1 2 3 4 5] / 10 over users 1..5 (user 0 only in A, user 9 only in B): t = 3/√0.5, df 4, p = 0.01324.
  const a = writeRun(join(root, 'a'), 1, [0.5, 0.1, 0.2, 0.3, 0.4, 0.5], [0, 1, 2, 3, 4, 5]);
  const b = writeRun(join(root, 'b'), 1, [0.2, 0.4, 0.6, 0.8, 1.0, 0.7], [1, 2, 3, 4, 5, 9]);
  const text = compareText([readComparedRun(a, 'test')], [readComparedRun(b, 'test')], { metric: 'recall@20', alpha: 0.05, names: [a, b] });
  assert.match(text, /recall@20 +0\.3333 +0\.6167 +85\.00% +0\.0132\* +4\.243 +5 +n\/a +0\.0132$/m);
  assert.match(text, /^2 user\(s\) missing from some run left out of the user-level test\.$/m);
  assert.doesNotMatch(text, /different seeds/);
});

test('compare refuses runs trained on different datasets, naming both (digest, or name and size for older runs)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sgfd-compare-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const run = (name: string, dataset: string, digest: string | null, pipeline = false) => {
    const dir = writeRun(join(root, name), 1, [0.1, 0.2, 0.3, 0.4]);
    writeJson(join(dir, RUN_FILES.config), { train: { seed: 1 }, dataset: { name: dataset, users: 4, items: 10 } });
    if (digest) writeJson(join(dir, pipeline ? RUN_INPUTS : DATASET_RECORD), pipeline ? { data: digest } : { path: `/data/${dataset}`, name: dataset, users: 4, items: 10, digest });
    return dir;
  };
  const lastfm = run('lastfm', 'lastfm', 'a'.repeat(64));
  const office = run('office', 'office', 'b'.repeat(64));
  const piped = run('piped', 'lastfm', 'a'.repeat(64), true);
  const read = (d: string) => readComparedRun(d, 'test');
  assert.doesNotThrow(() => checkSameDataset([read(lastfm), read(piped)]), 'a pipeline run records the same digest');
  assert.throws(() => checkSameDataset([read(lastfm), read(piped), read(office)]),
    new RegExp(`^Error: runs trained on different datasets \\(their digests differ\\): ${lastfm} \\(dataset 'lastfm', 4 users × 10 items, digest aaaaaaaaaaaa\\) vs ${office} \\(dataset 'office', 4 users × 10 items, digest bbbbbbbbbbbb\\); a paired test over users needs the same users and held-out items$`));
  const older = run('older', 'office', null);
  assert.throws(() => checkSameDataset([read(lastfm), read(older)]), /different datasets \(their names or sizes differ\)/);

  const r = await sgfd(['compare', lastfm, office, '--metric', 'recall@20']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '', 'no t-test printed');
  assert.match(r.stderr, /^sgfd: runs trained on different datasets \(their digests differ\): .*lastfm .* vs .*office .*\n$/);
  const same = await sgfd(['compare', lastfm, piped, '--metric', 'recall@20']);
  assert.equal(same.code, 0, same.stderr);
});
