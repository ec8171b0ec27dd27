// Stage 1 (paper profile): the teacher learns the synthetic categories far above chance, and its
// step with Adam on the native kernel is the fused step's to the last bit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { trainTeacher, cacheTeacherFeatures, teacherStart, teacherLoss, teacherOptimizer } from '../../src/sgfd/teacher-stage.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { nativeKernels } from '../../src/runtime/native.ts';

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

test('stage 1 with Adam on the native kernel is the fused step to the last bit (weight decay included)', { skip: nativeKernels().kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${nativeKernels().why}` }, async () => {
  const ds = makeDataset(generateSynthetic({ users: 100, items: 200, density: 0.03, categories: 5, imageDim: 64, textDim: 32 }));
  const cfg = sgfdConfig('paper', { latentDim: 16 });
  const optimizer = teacherOptimizer({ lr: 2e-3, weightDecay: 1e-3 });
  const runs = [];
  for (const native of [false, true]) {
    const { model, params, train, values } = teacherStart(ds, cfg, { seed: 3, heldOut: 0.2 });
    const compiled = compileTrainStep(params, teacherLoss(model, ds, cfg), optimizer, { native });
    assert.equal(compiled.offload?.nativeAdam != null, native);
    const step = await TrainStep.create(compiled, values, optimizer, { threads: 2 });
    step.setFixedInputs({
      ...Object.fromEntries(ds.modalities.map((m) => [`features.${m.name}`, { data: m.data, dims: [ds.nItems, m.dim] }])),
      labels: { data: BigInt64Array.from(ds.labels!, (l) => BigInt(Math.max(l, 0))), dims: [ds.nItems] },
    });
    const losses: number[] = [];
    for (let s = 0; s < 5; s++) {
      const rows = train.subarray((s * 32) % (train.length - 32), (s * 32) % (train.length - 32) + 32);
      losses.push((await step.run({ items: { data: BigInt64Array.from(rows, BigInt), dims: [rows.length] } })).loss);
    }
    runs.push({ losses, tensors: step.checkpointTensors() });
  }
  assert.deepEqual(runs[1].losses, runs[0].losses);
  for (const [name, t] of runs[0].tensors) assert.deepEqual(runs[1].tensors.get(name)!.data, t.data, `${name} differs`);
});
