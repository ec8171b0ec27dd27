// `sgfd train` refuses what would lose or silently spoil a run, before writing anything: an --out
// already holding a run (finished or not) without --resume / --force (issue 13 #3), a dataset whose
// validation or test split is empty (#6), settings outside their declared ranges (#7). The
// pipeline still retrains what it judges new or stale (it passes force itself).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset, readDataset, MANIFEST_FILE } from '../../src/data/arrow-io.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { RUN_FILES, writeJson, readJson } from '../../src/run/files.ts';
import { DATASET_RECORD, datasetDigest } from '../../src/run/run-dir.ts';
import { digestFiles } from '../../src/data/content-hash.ts';
import { bringRun, RUN_INPUTS } from '../../src/pipeline/runs.ts';
import { resolveSettings, type RunSettings } from '../../src/train/run.ts';
import { tempDir, writeFixtureData, SYNTH, sgfd } from '../run/fixtures.ts';

const train = (data: string, out: string, ...extra: string[]) => sgfd([
  'train', '--data', data, '--backbone', 'bm3', '--out', out, ...(extra.includes('--epochs') ? [] : ['--epochs', '2']),
  '--set', 'embedding_dim=8', '--threads', '1', '--no-worker', '--quiet', ...extra,
]);
const logEpochs = (dir: string) => readFileSync(join(dir, RUN_FILES.log), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch as number);

test('train --out over a run: refused without --resume or --force (nothing written); --force starts the log afresh', async (t) => {
  const root = tempDir(t, 'sgfd-guard-');
  const data = await writeFixtureData(root, false);
  const run = join(root, 'run');
  const first = await train(data, run);
  assert.equal(first.code, 0, first.stderr);
  const before = readFileSync(join(run, RUN_FILES.metrics), 'utf8');
  const again = await train(data, run, '--seed', '7');
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `sgfd: ${run}: holds a finished run (metrics.json); pass --force to replace it (nothing was written)\n`);
  assert.equal(readFileSync(join(run, RUN_FILES.metrics), 'utf8'), before, 'the finished run is untouched');
  assert.deepEqual(logEpochs(run), [1, 2]);

  const forced = await train(data, run, '--seed', '7', '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(logEpochs(run), [1, 2], 'the new run\'s epochs only, not appended to the old log');
  assert.equal(readJson<{ train: { seed: number } }>(join(run, RUN_FILES.config)).train.seed, 7);

  // Unfinished (killed before metrics.json): the message offers --resume.
  const { rmSync } = await import('node:fs');
  rmSync(join(run, RUN_FILES.metrics));
  const unfinished = await train(data, run);
  assert.equal(unfinished.code, 1);
  assert.equal(unfinished.stderr, `sgfd: ${run}: holds an unfinished run (checkpoint at epoch 2); pass --resume to continue it or --force to replace it (nothing was written)\n`);
  assert.ok(!existsSync(join(run, RUN_FILES.metrics)));
  const both = await train(data, run, '--resume', '--force');
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^sgfd: --resume continues the run in --out, --force replaces it: pass one of them\n$/);
  const resumed = await train(data, run, '--seed', '7', '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(logEpochs(run), [1, 2]);

  // A directory without a run in it is fine (nothing to lose).
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'empty', 'notes.txt'), 'mine\n');
  const fresh = await train(data, join(root, 'empty'));
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(readFileSync(join(root, 'empty', 'notes.txt'), 'utf8'), 'mine\n');
  // --out under a file: one line naming it, no raw ENOTDIR.
  writeFileSync(join(root, 'afile'), 'x');
  const underFile = await train(data, join(root, 'afile', 'run'));
  assert.equal(underFile.code, 1);
  assert.equal(underFile.stderr, `sgfd: ${join(root, 'afile', 'run')}: --out must be a run directory, but ${join(root, 'afile')} is a file, not a directory\n`);
  // The run records the dataset it trained on, with the digest the pipeline's data step computes.
  const record = readJson<{ digest: string }>(join(run, DATASET_RECORD));
  assert.equal(record.digest, digestFiles([join(data, MANIFEST_FILE)]));
});

test('the pipeline still retrains a run directory it judges new (a first epoch killed before its checkpoint)', async (t) => {
  const root = tempDir(t, 'sgfd-guard-');
  const data = await writeFixtureData(root, false);
  const ds = readDataset(data);
  const settings: RunSettings = {
    data, backbone: 'bm3', sgfd: false, profile: 'paper', set: { embedding_dim: '8' }, teacherEpochs: 1,
    train: { ...TRAIN_DEFAULTS, epochs: 2, quiet: true, worker: false, threads: 1 },
  };
  const dir = join(root, 'seed-1');
  mkdirSync(dir);
  writeJson(join(dir, RUN_FILES.config), resolveSettings(settings, ds));
  writeJson(join(dir, RUN_INPUTS), { data: datasetDigest(data) });
  writeFileSync(join(dir, RUN_FILES.log), '{"epoch": 1}\n'); // a stray line from the killed attempt
  const p = await bringRun({ settings, dir, dataDigest: datasetDigest(data) }, ds, () => {});
  assert.equal(p.state, 'new');
  assert.ok(p.metrics);
  assert.deepEqual(logEpochs(dir), [1, 2]);
});

test('an empty validation or test split is refused before anything is written', async (t) => {
  const root = tempDir(t, 'sgfd-guard-');
  for (const [split, name, hint] of [['valid', 'validation', '--valid-from-train 0.1'], ['test', 'test', '--split']] as const) {
    const data = join(root, `no-${split}`);
    await writeDataset(data, generateSynthetic({ ...SYNTH, [split]: 0 }));
    const out = join(root, `run-${split}`);
    const r = await train(data, out);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`sgfd: ${data}: the ${name} split is empty (0 interactions): training selects on validation and reports test; re-import the data with ${hint}`), r.stderr);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    assert.ok(!existsSync(out), 'no run directory');
  }
});

// The CLI path of a few; every range is checked in test/train/settings.test.ts (resolveSettings runs before anything is written).
test('settings out of range: one-line errors naming the setting and its range, no run directory', async (t) => {
  const root = tempDir(t, 'sgfd-guard-');
  const data = await writeFixtureData(root, false);
  const cases: [string[], string][] = [
    [['--set', 'embedding_dim=-4'], "setting 'bm3.embedding_dim' must be an integer in [1, 8192], got '-4'"],
    [['--set', 'lr=0'], "setting 'bm3.lr' must be a number in (0, 10], got '0'"],
    [['--sgfd', '--teacher-epochs', '0'], '--teacher-epochs must be an integer ≥ 1, got 0'],
    [['--epochs', 'abc'], '--epochs must be an integer ≥ 1, got a value that is not a number'],
  ];
  for (const [i, [args, message]] of cases.entries()) {
    const out = join(root, `run-${i}`);
    const r = await train(data, out, ...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `sgfd: ${message}\n`, args.join(' '));
    assert.ok(!existsSync(out), `${args.join(' ')}: no run directory`);
  }
  assert.deepEqual(readdirSync(root).sort(), ['data']);
});
