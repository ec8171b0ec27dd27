// Stage 1 (paper profile): the teacher learns the synthetic categories far above chance.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { trainTeacher, cacheTeacherFeatures } from '../../src/sgfd/teacher-stage.ts';

test('the label-trained teacher classifies held-out synthetic items far above chance', async () => {
  const ds = makeDataset(generateSynthetic({ users: 300, items: 600, categories: 6, imageDim: 256, textDim: 96 }));
  const cfg = sgfdConfig('paper', { latentDim: 32 });
  const r = await trainTeacher(ds, cfg, { epochs: 40, batchSize: 64, lr: 2e-3, seed: 2 });
  assert.equal(r.heldOutItems.length, 120);
  assert.ok(r.accuracy.chance < 0.3);
  for (const [m, acc] of Object.entries(r.accuracy.modalities)) assert.ok(acc > 2 * r.accuracy.chance, `${m} teacher accuracy ${acc} vs chance ${r.accuracy.chance}`);
  assert.ok(r.accuracy.fused > 2.5 * r.accuracy.chance, `fused accuracy ${r.accuracy.fused} vs chance ${r.accuracy.chance}`);
  const cached = await cacheTeacherFeatures(r.model, r.values, ds);
  assert.equal(cached.length, 2);
  assert.equal(cached[0].length, 600 * 32);
  const norm = Math.hypot(...cached[0].subarray(0, 32));
  assert.ok(Math.abs(norm - 1) < 1e-4, `teacher features are L2-normalised rows (got ${norm})`);
});
