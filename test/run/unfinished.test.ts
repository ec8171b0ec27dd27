// A run that never finished (stopped before metrics.json) is not exported, scored or evaluated
// unless --allow-unfinished says so; then the model card and the scores file say it too (issue 13 #4).
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { runTraining } from '../../src/train/run.ts';
import { TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { RUN_FILES } from '../../src/run/files.ts';
import { scoreRun } from '../../src/score/score-run.ts';
import { type ModelCard } from '../../src/model/model-card.ts';
import { tempDir, writeFixtureData, sgfd } from './fixtures.ts';

test('unfinished runs: refused by eval, score and export; allowed with --allow-unfinished and marked', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, false);
  const run = join(root, 'run');
  // Stopped after one of three epochs (as if killed): a checkpoint, no metrics.json.
  const halted = await runTraining({
    data, backbone: 'bm3', sgfd: false, profile: 'paper', set: { embedding_dim: '8' }, teacherEpochs: 1,
    train: { ...TRAIN_DEFAULTS, epochs: 3, haltAfter: 1, quiet: true, worker: false, threads: 1 },
  }, run);
  assert.equal(halted, null);
  assert.ok(existsSync(join(run, RUN_FILES.checkpoint)) && !existsSync(join(run, RUN_FILES.metrics)));

  const refusal = `sgfd: ${run}: unfinished run (no metrics.json; checkpoint at epoch 1): resume it with sgfd train --resume, or pass --allow-unfinished to use its best parameters so far\n`;
  const attempts: [string[], string][] = [
    [['eval', '--run', run, '--threads', '1'], ''],
    [['score', '--run', run, '--out', join(root, 'top.arrow'), '--threads', '1', '--quiet'], join(root, 'top.arrow')],
    [['export', '--run', run, '--out', join(root, 'model'), '--threads', '1'], join(root, 'model')],
  ];
  for (const [args, output] of attempts) {
    const r = await sgfd(args);
    assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert.equal(r.stderr, refusal, args[0]);
    assert.equal(r.stdout, '');
    if (output) assert.ok(!existsSync(output), `${args[0]} wrote nothing`);
  }

  const exported = await sgfd(['export', '--run', run, '--out', join(root, 'model'), '--threads', '1', '--allow-unfinished']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stderr, `sgfd: warning: ${run} is an unfinished run (--allow-unfinished): using its best parameters so far\n`);
  const card = JSON.parse(readFileSync(join(root, 'model', 'model.json'), 'utf8')) as ModelCard;
  assert.deepEqual(card.training, { finished: false, note: 'exported with --allow-unfinished from a run that never finished (no metrics.json): its best-validation parameters so far (epoch 1); metrics re-evaluated with them' });
  assert.ok(card.metrics.test['recall@20'] >= 0, 'metrics evaluated with the parameters exported');

  const evaluated = await sgfd(['eval', '--run', run, '--threads', '1', '--json', '--allow-unfinished']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stderr, /^sgfd: warning: .* is an unfinished run \(--allow-unfinished\): evaluating its best parameters so far\n$/);
  assert.equal(JSON.parse(evaluated.stdout).finished, false);

  let warned = 0;
  const out = join(root, 'top.arrow');
  await scoreRun({ run, k: 3, out, users: 'all', exclude: 'train', memoryMb: 16, threads: 1, quiet: true, allowUnfinished: true, onUnfinished: () => warned++ });
  assert.equal(warned, 1);
  assert.equal(tableFromIPC(readFileSync(out)).schema.metadata.get('sgfd.run_finished'), 'false');
});
