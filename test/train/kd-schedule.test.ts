// SGFD's λ1 decay (sgfd.kdDecayEpochs): the scale per epoch, the trainer feeding the epoch to the
// graph (checked through the logged objective of every epoch, in the worker), exact resume with the
// schedule, and the graph without a schedule having no epoch input at all.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { kdScale } from '../../src/sgfd/losses.ts';
import { compileTrainStep } from '../../src/nn/index.ts';
import { EPOCH_INPUT } from '../../src/runtime/index.ts';
import { batchSource } from '../../src/artifacts/sources.ts';

const ds = makeDataset(generateSynthetic({ users: 300, items: 200, categories: 5, density: 0.03, imageDim: 64, textDim: 32, seed: 5 }));
const bm3 = backboneSpec('bm3');
const cfg = resolveBackboneConfig(bm3, { embedding_dim: 16, batch_size: 256, lr: 0.005 });
const opts = { ...TRAIN_DEFAULTS, epochs: 5, patience: 20, quiet: true, worker: true };
const sgfd = (kdDecayEpochs: number) => sgfdConfig('reference', { latentDim: 16, kdWeight: 0.3, ceWeight: 0.7, kdDecayEpochs });

test('kdScale: linear decay from 1 at epoch 1 to 0 after N epochs; constant without a schedule', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((e) => kdScale({ kdDecayEpochs: 4 }, e)), [1, 0.75, 0.5, 0.25, 0, 0]);
  assert.deepEqual([1, 50].map((e) => kdScale({ kdDecayEpochs: 0 }, e)), [1, 1]);
  assert.throws(() => sgfdConfig('paper', { kdDecayEpochs: 2.5 }), /sgfd\.kdDecayEpochs/);
  assert.throws(() => sgfdConfig('paper', { kdDecayEpochs: -1 }), /sgfd\.kdDecayEpochs/);
});

test('the train step reads the epoch only with a schedule, and artifacts can say what it is', () => {
  const inputs = (n: number) => {
    const bb = bm3.create(ds, cfg, sgfd(n));
    return compileTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer).batchInputs.map((i) => i.name);
  };
  assert.ok(!inputs(0).includes(EPOCH_INPUT));
  assert.ok(inputs(3).includes(EPOCH_INPUT));
  assert.deepEqual(batchSource('bm3', cfg, ds.nUsers, EPOCH_INPUT).source, { kind: 'epoch' });
});

test('each epoch\'s logged SGFD objective is λ1·kdScale(epoch)·(LD + FD) + λ2·(TCE + FCE); resume keeps the schedule', async () => {
  const [a, b] = [mkdtempSync(join(tmpdir(), 'sgfd-kd-')), mkdtempSync(join(tmpdir(), 'sgfd-kd-'))];
  try {
    const straight = (await train(ds, bm3.create(ds, cfg, sgfd(3)), a, opts))!;
    const log = readFileSync(join(a, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).losses);
    assert.equal(log.length, 5);
    log.forEach((l, i) => {
      const want = 0.3 * kdScale({ kdDecayEpochs: 3 }, i + 1) * (l['loss.ld'] + l['loss.fd']) + 0.7 * (l['loss.tce'] + l['loss.fce']);
      assert.ok(Math.abs(l['loss.sgfd'] - want) <= 1e-5 * Math.max(1, want), `epoch ${i + 1}: sgfd ${l['loss.sgfd']} vs ${want}`);
    });
    assert.ok(log[0]['loss.ld'] + log[0]['loss.fd'] > 0, 'distillation is active in epoch 1');
    assert.equal(await train(ds, bm3.create(ds, cfg, sgfd(3)), b, { ...opts, haltAfter: 2 }), null);
    const resumed = (await train(ds, bm3.create(ds, cfg, sgfd(3)), b, { ...opts, resume: true }))!;
    assert.deepEqual(resumed.valid, straight.valid);
    assert.deepEqual(resumed.test, straight.test);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
