// GRCN trained through `train` with the native kernels (its edge sums in stages between ORT sessions,
// in the worker thread): it learns, metrics.json says what ran natively, and resuming after a forced
// stop reproduces the uninterrupted run's final metrics exactly — the staged step is deterministic and
// its whole state is in the checkpoint.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { nativeKernels } from '../../src/runtime/native.ts';

const ds = makeDataset(generateSynthetic({ users: 500, items: 300, categories: 6, density: 0.03, imageDim: 64, textDim: 32, seed: 8 }));
const grcn = backboneSpec('grcn');
const cfg = resolveBackboneConfig(grcn, { embedding_dim: 16, batch_size: 256, lr: 0.005 });
const opts = { ...TRAIN_DEFAULTS, epochs: 4, patience: 20, quiet: true, worker: true };
const tmp = () => mkdtempSync(join(tmpdir(), 'sgfd-grcn-'));

test('GRCN on the native kernels learns, records what ran natively, and resumes exactly', async () => {
  const [a, b] = [tmp(), tmp()];
  try {
    const straight = (await train(ds, grcn.create(ds, cfg, null), a, opts))!;
    assert.ok(straight.valid['recall@20'] > 2 * (20 / ds.nItems), `valid recall@20 ${straight.valid['recall@20']} vs random ≈ ${20 / ds.nItems}`);
    const written = JSON.parse(readFileSync(join(a, 'metrics.json'), 'utf8'));
    assert.equal(written.native_kernels, nativeKernels().kernels ? 'edges + Adam' : 'none');
    assert.equal(await train(ds, grcn.create(ds, cfg, null), b, { ...opts, haltAfter: 2 }), null);
    const resumed = (await train(ds, grcn.create(ds, cfg, null), b, { ...opts, resume: true }))!;
    assert.deepEqual(resumed.valid, straight.valid);
    assert.deepEqual(resumed.test, straight.test);
    assert.equal(resumed.best_epoch, straight.best_epoch);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
