// Trainer failure modes: a NaN loss stops the run naming the term that went non-finite (not the
// total) and keeps the last good checkpoint, or says there is none in the first epoch; unknown or
// malformed settings are errors that list the valid keys.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../../src/graph/index.ts';
import { Module, Parameter, init, type Binder } from '../../src/nn/index.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { NonFiniteError } from '../../src/runtime/train-step.ts';
import { EPOCH_INPUT } from '../../src/runtime/step-io.ts';
import { backboneSpec, resolveBackboneConfig, type Backbone } from '../../src/backbones/index.ts';
import { resolveSettings } from '../../src/train/run.ts';
import { parseSets } from '../../src/cli/configuration-options.ts';

const ds = makeDataset(generateSynthetic({ users: 200, items: 100, categories: 4, density: 0.05, imageDim: 8, textDim: 8, seed: 2 }));

/**
 * A dot-product model whose loss is log(badFromEpoch + ½ − epoch) (the trainer feeds the epoch):
 * fine until epoch badFromEpoch, NaN from the next epoch's first step on.
 */
class Fragile extends Module { u = new Parameter([ds.nUsers, 4], init.normal(0.1)); i = new Parameter([ds.nItems, 4], init.normal(0.1)); }
function fragileBackbone(badFromEpoch: number): Backbone {
  const model = new Fragile();
  return {
    model, batchSize: 100, trainRows: 200, optimizer: { type: 'adam', lr: 0.01 },
    buildLoss: (b: Binder) => {
      const x = G.sub(badFromEpoch + 0.5, b.graph.input(EPOCH_INPUT, 'float32', []));
      const reg = G.reduceSum(G.square(b.param(model.u)));
      return { loss: G.add(G.log(x), G.add(reg, G.reduceSum(G.square(b.param(model.i))))), terms: { log_x: G.log(x) } };
    },
    fixedFeeds: () => ({}),
    batchFeeds: () => ({}),
    buildScoring: (b: Binder) => ({ users: b.param(model.u), items: b.param(model.i) }),
  };
}

test('a NaN loss stops training, names the term and epoch, and keeps the last good checkpoint (epochs 1, 11, 21, … when epochs are fast)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-nan-'));
  try {
    await assert.rejects(train(ds, fragileBackbone(12), dir, { ...TRAIN_DEFAULTS, epochs: 15, quiet: true, worker: false }),
      (e: Error) => e instanceof NonFiniteError
        && e.message === `epoch 13: loss term 'loss.log_x' is NaN (also non-finite: loss) at step 25; parameters left at step 24; the last good checkpoint (epoch 11) is in ${join(dir, 'checkpoint')}`);
    const { manifest } = readCheckpoint(join(dir, 'checkpoint'));
    assert.equal(manifest.epoch, 11);
    assert.equal(manifest.step, 22);
    assert.ok(!existsSync(join(dir, 'metrics.json')), 'no metrics for a failed run');
    assert.equal(readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').length, 12);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a NaN in the first epoch (worker thread too) names the term and says there is no earlier checkpoint', async () => {
  for (const worker of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'sgfd-nan-'));
    try {
      await assert.rejects(train(ds, fragileBackbone(0), dir, { ...TRAIN_DEFAULTS, epochs: 5, quiet: true, worker, threads: 1 }),
        (e: Error) => e instanceof NonFiniteError
          && e.message === "epoch 1: loss term 'loss.log_x' is NaN (also non-finite: loss) at step 1; parameters left at step 0; there is no earlier checkpoint (it failed in the first epoch): lower lr or check the data");
      assert.ok(!existsSync(join(dir, 'checkpoint')) && !existsSync(join(dir, 'metrics.json')));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }
});

test('unknown --set keys and bad values are errors listing the valid keys', () => {
  const bm3 = backboneSpec('bm3');
  assert.throws(() => resolveBackboneConfig(bm3, { n_layer: '2' }), /unknown bm3 setting 'n_layer': valid keys are embedding_dim, n_layers, reg_weight/);
  assert.throws(() => resolveBackboneConfig(bm3, { n_layers: 'two' }), /setting 'bm3.n_layers' must be an integer in \[0, 16\], got 'two'/);
  assert.deepEqual(resolveBackboneConfig(bm3, { n_layers: '2' }).n_layers, 2);
  assert.throws(() => parseSets(['lr0.1']), /--set 'lr0.1': expected key=value/);
  const base = { data: '', backbone: 'bm3', profile: 'paper' as const, teacherEpochs: 1, train: TRAIN_DEFAULTS };
  assert.throws(() => resolveSettings({ ...base, sgfd: true, set: { 'sgfd.temperature': '5' } }, ds), /unknown SGFD setting 'sgfd.temperature': valid keys are .*sgfd\.tau/);
  assert.throws(() => resolveSettings({ ...base, sgfd: false, set: { 'sgfd.tau': '5' } }, ds), /SGFD settings need --sgfd/);
  assert.throws(() => resolveSettings({ ...base, sgfd: true, set: { 'sgfd.detachTeacher': 'maybe' } }, ds), /must be true or false/);
  assert.equal(resolveSettings({ ...base, sgfd: true, set: { 'sgfd.tau': '5' } }, ds).sgfd!.tau, 5);
  assert.throws(() => backboneSpec('bm4'), /unknown backbone 'bm4': available bm3/);
});

test('a run trained without scoring test is scored once afterwards, identically to scoring it at the end', async () => {
  const { scoreTestOnce } = await import('../../src/run/load-run.ts');
  const { writeDataset } = await import('../../src/data/arrow-io.ts');
  const { runTraining } = await import('../../src/train/run.ts');
  const root = mkdtempSync(join(tmpdir(), 'sgfd-score-once-'));
  try {
    const parts = generateSynthetic({ users: 150, items: 80, categories: 4, density: 0.06, imageDim: 8, textDim: 8, seed: 4 });
    await writeDataset(join(root, 'data'), parts);
    const s = (scoreTest: boolean) => ({ data: join(root, 'data'), backbone: 'bm3', sgfd: false, profile: 'paper' as const, set: { embedding_dim: '8' }, teacherEpochs: 1, train: { ...TRAIN_DEFAULTS, epochs: 2, quiet: true, worker: false, scoreTest } });
    const trial = (await runTraining(s(false), join(root, 'trial')))!;
    assert.deepEqual(trial.test, {}, 'a search trial never looks at test');
    assert.ok(!existsSync(join(root, 'trial', 'per_user_test.arrow')));
    const full = (await runTraining(s(true), join(root, 'full')))!;
    const later = await scoreTestOnce(join(root, 'trial'));
    assert.deepEqual(later.test, full.test);
    assert.ok(existsSync(join(root, 'trial', 'per_user_test.arrow')));
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('evalEvery validates every N epochs and after the last; patience counts epochs; patience < N is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-every-'));
  try {
    const m = (await train(ds, fragileBackbone(1000), dir, { ...TRAIN_DEFAULTS, epochs: 7, patience: 50, evalEvery: 3, quiet: true, worker: false }))!;
    const lines = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(lines.filter((l) => l.valid).map((l) => l.epoch), [3, 6, 7], 'validated at 3, 6 and the last epoch');
    assert.ok([3, 6, 7].includes(m.best_epoch), `best epoch ${m.best_epoch} is a validated one`);
    assert.equal(m.epochs_run, 7);
    await assert.rejects(train(ds, fragileBackbone(1000), dir, { ...TRAIN_DEFAULTS, epochs: 7, patience: 2, evalEvery: 3, quiet: true, worker: false }),
      /patience \(2 epochs\) must be at least evalEvery \(3\)/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
