// BM3's extractor runs once per distinct batch item (vanilla Linear, SGFD's student, the joint
// teacher) and spreads its rows back to the batch: the same loss and the same step as per slot.
import test from 'node:test';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { Rng } from '../../src/data/rng.ts';
import { assertPerDistinctMatchesPerSlot } from './per-distinct.ts';

const bm3 = backboneSpec('bm3');
const ds = makeDataset(generateSynthetic({ users: 300, items: 200, categories: 6, density: 0.03, imageDim: 48, textDim: 24, seed: 5 }));
const cfg = resolveBackboneConfig(bm3, { embedding_dim: 16, batch_size: 256, dropout: 0 });
// 256 training rows: every batch item repeats a few times, as in a real BM3 batch.
const nTrain = bm3.create(ds, cfg, null).trainRows;
const rows = Int32Array.from({ length: 256 }, (_, i) => (i * 37) % nTrain);

test('BM3 vanilla: the Linear extractor once per distinct batch item gives the per-slot loss and step', async () => {
  await assertPerDistinctMatchesPerSlot(bm3, ds, cfg, null, rows);
});

test('SGFD-BM3 reference profile (student → bare Linear): the student and teacher once per distinct item give the per-slot loss and step', async () => {
  const sg = sgfdConfig('reference', { latentDim: 16, studentOutput: 'linear' });
  await assertPerDistinctMatchesPerSlot(bm3, ds, cfg, sg, rows);
});

test('SGFD-BM3 paper profile, stage 2 (the cached teacher): the student once per distinct item gives the per-slot loss and step', async () => {
  const rng = new Rng(2);
  const teacher = ds.modalities.map(() => Float32Array.from({ length: ds.nItems * 16 }, () => rng.normal()));
  await assertPerDistinctMatchesPerSlot(bm3, ds, cfg, sgfdConfig('paper', { latentDim: 16 }), rows, teacher);
});
