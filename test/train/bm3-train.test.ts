// BM3 (vanilla and SGFD) learns on the synthetic default, and resuming after a forced stop
// reproduces the uninterrupted run's final metrics exactly.
import test from 'node:test';
import { nativeKernels } from '../../src/runtime/native.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';

const ds = makeDataset(generateSynthetic({ users: 600, items: 400, categories: 8, density: 0.02, imageDim: 256, textDim: 96, seed: 3 }));
const bm3 = backboneSpec('bm3');
const cfg = resolveBackboneConfig(bm3, { embedding_dim: 32, batch_size: 512, lr: 0.005 });
const opts = { ...TRAIN_DEFAULTS, epochs: 12, patience: 20, quiet: true, worker: false };

/** Expected Recall@20 of a uniformly random ranking ≈ 20 / (candidate items per user). */
const randomRecall = 20 / ds.nItems;

function tmp() { return mkdtempSync(join(tmpdir(), 'sgfd-bm3-')); }

test('vanilla BM3 learns: validation Recall@20 far above a random ranking', async () => {
  const dir = tmp();
  try {
    const m = (await train(ds, bm3.create(ds, cfg, null), dir, opts))!;
    assert.ok(m.valid['recall@20'] > 4 * randomRecall, `valid recall@20 ${m.valid['recall@20']} vs random ≈ ${randomRecall}`);
    assert.ok(m.test['recall@20'] > 3 * randomRecall, `test recall@20 ${m.test['recall@20']}`);
    const written = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    assert.deepEqual(Object.keys(written), ['valid', 'test', 'best_epoch', 'epochs_run', 'seconds_per_epoch', 'native_kernels', 'step_threads', 'step_multiply_adds']);
    assert.equal(written.native_kernels, nativeKernels().kernels ? 'propagation + Adam' : 'none', 'what ran natively is recorded');
    assert.equal(written.epochs_run, 12);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(log.length, 12);
    assert.ok(log[11].losses.loss < log[0].losses.loss, 'the training loss went down');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('SGFD-BM3 (reference profile) trains and reports its loss terms', async () => {
  const dir = tmp();
  try {
    const sg = sgfdConfig('reference', { latentDim: 32 });
    const m = (await train(ds, bm3.create(ds, cfg, sg), dir, opts))!;
    assert.ok(m.valid['recall@20'] > 3 * randomRecall, `valid recall@20 ${m.valid['recall@20']}`);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const k of ['loss.ld', 'loss.fd', 'loss.tce', 'loss.fce', 'loss.sgfd']) assert.ok(Number.isFinite(log[0].losses[k]), k);
    assert.ok(log[11].losses['loss.tce'] < log[0].losses['loss.tce'], 'teacher CE falls as the teacher trains jointly');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('resume after a forced stop reproduces the uninterrupted final metrics exactly', async () => {
  const [a, b] = [tmp(), tmp()];
  try {
    const o = { ...opts, epochs: 5, worker: true };
    const straight = await train(ds, bm3.create(ds, cfg, null), a, o);
    assert.equal(await train(ds, bm3.create(ds, cfg, null), b, { ...o, haltAfter: 2 }), null);
    const resumed = await train(ds, bm3.create(ds, cfg, null), b, { ...o, resume: true });
    assert.deepEqual(resumed!.valid, straight!.valid);
    assert.deepEqual(resumed!.test, straight!.test);
    assert.equal(resumed!.best_epoch, straight!.best_epoch);
    const lines = readFileSync(join(b, 'log.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
