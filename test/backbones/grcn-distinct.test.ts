// GRCN's SGFD items (the batch's positives, then its negatives) carry an index plan, so the student,
// the joint teacher and the SGFD terms run once per distinct item (the terms weighted by how many
// batch rows each item stands for): the same loss and the same step as per slot.
import test from 'node:test';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { Rng } from '../../src/data/rng.ts';
import { assertPerDistinctMatchesPerSlot } from './per-distinct.ts';

const grcn = backboneSpec('grcn');
const ds = makeDataset(generateSynthetic({ users: 200, items: 60, categories: 5, density: 0.05, imageDim: 24, textDim: 12, seed: 8 }));
const cfg = resolveBackboneConfig(grcn, { embedding_dim: 8, batch_size: 128, routing_iterations: 1 });
const nTrain = grcn.create(ds, cfg, null).trainRows;
// 128 rows → 256 SGFD items over 60 items: most repeat.
const rows = Int32Array.from({ length: 128 }, (_, i) => (i * 29) % nTrain);

test('SGFD-GRCN reference profile: student, joint teacher and SGFD terms once per distinct item give the per-slot loss and step', async () => {
  await assertPerDistinctMatchesPerSlot(grcn, ds, cfg, sgfdConfig('reference', { latentDim: 8 }), rows, null, 'sgfd_items', false);
});

test('SGFD-GRCN paper profile, stage 2: the student and the SGFD terms once per distinct item give the per-slot loss and step', async () => {
  const rng = new Rng(3);
  const teacher = ds.modalities.map(() => Float32Array.from({ length: ds.nItems * 8 }, () => rng.normal()));
  await assertPerDistinctMatchesPerSlot(grcn, ds, cfg, sgfdConfig('paper', { latentDim: 8, tau: 2 }), rows, teacher, 'sgfd_items', false);
});
