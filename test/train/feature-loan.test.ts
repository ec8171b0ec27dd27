// Feature tables lent to the train worker (src/train/feature-loan.ts): BM3, whose scoring reads no
// feature table, trains with its large tables moved to the worker and back — the same metrics as the
// in-process run, and the dataset's arrays hold the same values afterwards (over the returned
// buffers); GRCN and MAML, whose scoring reads them, lend nothing; small buffers are never lent.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { featureLoan, MIN_LENT_BYTES } from '../../src/train/feature-loan.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';

// image rows: 300 × 1024 floats = 1.2 MB (lent); text: 300 × 32 floats (too small to lend).
const ds = makeDataset(generateSynthetic({ users: 200, items: 300, categories: 4, density: 0.04, imageDim: 1024, textDim: 32, seed: 9 }));
const opts = { ...TRAIN_DEFAULTS, epochs: 3, patience: 20, quiet: true };
const snapshot = () => ds.modalities.map((m) => ({ buffer: m.data.buffer, values: Float32Array.from(m.data) }));

async function trained(backbone: string, worker: boolean, sgfd = false) {
  const spec = backboneSpec(backbone);
  const cfg = resolveBackboneConfig(spec, { embedding_dim: 16, batch_size: 256 });
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-loan-'));
  try {
    return (await train(ds, spec.create(ds, cfg, sgfd ? sgfdConfig('reference', { latentDim: 16 }) : null), dir, { ...opts, worker }))!;
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('BM3 lends its large feature table to the worker and gets it back: same values, same metrics as in-process', async () => {
  assert.ok(ds.modalities[0].data.byteLength >= MIN_LENT_BYTES && ds.modalities[1].data.byteLength < MIN_LENT_BYTES);
  for (const sgfd of [false, true]) {
    const before = snapshot();
    const inProcess = await trained('bm3', false, sgfd);
    assert.equal(ds.modalities[0].data.buffer, before[0].buffer, 'nothing is lent without a worker');
    const lent = await trained('bm3', true, sgfd);
    assert.notEqual(ds.modalities[0].data.buffer, before[0].buffer, 'the image table moved to the worker and came back');
    assert.equal(ds.modalities[1].data.buffer, before[1].buffer, 'the small text table was copied, not lent');
    ds.modalities.forEach((m, i) => assert.deepEqual(m.data, before[i].values, `${m.name} values after the loan`));
    assert.deepEqual(lent.valid, inProcess.valid, `sgfd ${sgfd}: validation`);
    assert.deepEqual(lent.test, inProcess.test, `sgfd ${sgfd}: test`);
  }
});

test('GRCN and MAML, whose scoring reads the feature tables, lend nothing', async () => {
  for (const backbone of ['grcn', 'maml']) {
    const before = snapshot();
    await trained(backbone, true);
    ds.modalities.forEach((m, i) => assert.equal(m.data.buffer, before[i].buffer, `${backbone}: ${m.name}`));
  }
});

test('featureLoan: only buffers the main thread does not read, and restore re-points every view of them', () => {
  const big = new Float32Array(MIN_LENT_BYTES / 4 + 8);
  const two = makeDataset(generateSynthetic({ users: 20, items: 40, categories: 2, density: 0.2, imageDim: 4, textDim: 4, seed: 1 }));
  two.modalities[0].data = big.subarray(0, 40);
  two.modalities[1].data = big.subarray(40, 80);
  const fixed = { 'x.image': { data: two.modalities[0].data, dims: [40, 1] }, 'x.text': { data: two.modalities[1].data, dims: [40, 1] } };
  assert.deepEqual(featureLoan(two, fixed, null).buffers, [], 'per-user score models read every table');
  assert.deepEqual(featureLoan(two, fixed, new Set(['x.text'])).buffers, [], 'a table the scoring reads shares the buffer');
  const loan = featureLoan(two, fixed, new Set(['users']));
  assert.deepEqual(loan.buffers, [big.buffer]);
  const back = big.buffer.slice(0);
  loan.restore([back]);
  assert.equal(two.modalities[0].data.buffer, back);
  assert.equal(two.modalities[1].data.byteOffset, 160);
  assert.equal(two.modalities[1].data.length, 40);
  assert.throws(() => loan.restore([]), /returned 0 of 1/);
});
