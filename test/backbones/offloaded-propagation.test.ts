// Train steps that leave LightGCN-style propagation to the native kernel (compileTrainStep's
// offloadPropagation; runtime/propagation-offload.ts) are the fused steps' math: BM3 (vanilla and
// SGFD's reference profile, one layer, the item ID also read directly) and LightGCN (three layers)
// give the same loss terms step after step and the same parameters and Adam state after several
// steps. Options that need every gradient inside one graph keep the fused step.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig, type ConfigValue } from '../../src/backbones/index.ts';
import { sgfdConfig, type SgfdConfig } from '../../src/sgfd/config.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { initialValues, type OptimizerConfig } from '../../src/nn/index.ts';
import { batches } from '../../src/data/samplers.ts';
import { Rng } from '../../src/data/rng.ts';

const { kernels, why } = nativeKernels();
const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;
const ds = makeDataset(generateSynthetic({ users: 300, items: 200, categories: 6, density: 0.03, imageDim: 48, textDim: 24, seed: 5 }));
const STEPS = 6;

async function run(name: string, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, offload: boolean, optimizer: Partial<OptimizerConfig>) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, cfg), sg);
  const params = bb.model.namedParameters();
  const opt = { ...bb.optimizer, ...optimizer };
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), opt, { offloadPropagation: offload });
  const rng = new Rng(7);
  const step = await TrainStep.create(compiled, initialValues(params, rng), opt, { threads: 2 });
  step.setFixedInputs(bb.fixedFeeds());
  const order = batches(bb.trainRows, bb.batchSize, rng);
  const losses: Record<string, number>[] = [];
  for (let s = 0; s < STEPS; s++) losses.push(await step.run(bb.batchFeeds(order.next().value as Int32Array, rng)));
  const tensors = step.checkpointTensors();
  await step.release();
  return { compiled, losses, tensors };
}

async function assertSameSteps(name: string, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, direct: string[], optimizer: Partial<OptimizerConfig> = {}, nativeAdam = true) {
  const fused = await run(name, cfg, sg, false, optimizer);
  const offloaded = await run(name, cfg, sg, true, optimizer);
  assert.equal(fused.compiled.offload, undefined);
  assert.ok(offloaded.compiled.offload, 'the step offloads its propagation');
  assert.deepEqual(offloaded.compiled.offload.direct, direct, 'parameters read directly as well as through the propagation');
  assert.deepEqual(offloaded.compiled.offload.optimizer.params, ['userEmbedding', 'itemEmbedding']);
  assert.equal(offloaded.compiled.offload.nativeAdam !== null, nativeAdam, 'the update runs on the native Adam kernel');
  fused.losses.forEach((terms, s) => {
    for (const [term, v] of Object.entries(terms)) {
      const w = offloaded.losses[s][term];
      assert.ok(Math.abs(v - w) <= 1e-5 * (1 + Math.abs(v)), `step ${s + 1}, ${term}: fused ${v}, offloaded ${w}`);
    }
  });
  assert.deepEqual([...offloaded.tensors.keys()].sort(), [...fused.tensors.keys()].sort(), 'the same parameters and optimiser state');
  for (const [key, t] of fused.tensors) {
    const a = t.data as Float32Array;
    const b = offloaded.tensors.get(key)!.data as Float32Array;
    let num = 0, den = 0;
    for (let j = 0; j < a.length; j++) { num += (a[j] - b[j]) ** 2; den += a[j] ** 2; }
    assert.ok(Math.sqrt(num) <= 1e-4 * Math.sqrt(den) + 1e-9, `${key} after ${STEPS} steps: relative difference ${Math.sqrt(num / den)}`);
  }
}

test('BM3 with its propagation offloaded: the fused step\'s losses, parameters and Adam state', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, null, ['itemEmbedding']);
});

test('SGFD-BM3 (reference profile) with its propagation offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, sgfdConfig('reference', { latentDim: 16 }), ['itemEmbedding']);
});

test('LightGCN (three layers) with its propagation offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, ['userEmbedding', 'itemEmbedding']);
});

test('Adam with L2 weight decay and a learning-rate scale on the embeddings\' group, offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, null, ['itemEmbedding'], { weightDecay: 0.05, groups: { default: { lrScale: 0.5 } } });
});

test('AdamW and SGD with momentum, offloaded, update on their optimiser graph: the fused step\'s', { skip }, async () => {
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, ['userEmbedding', 'itemEmbedding'], { type: 'adamw', weightDecay: 0.05 }, false);
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, ['userEmbedding', 'itemEmbedding'], { type: 'sgd', lr: 0.05, momentum: 0.9 }, false);
});

test('gradient norms and clipping keep the fused step (they need every gradient in one graph)', () => {
  const spec = backboneSpec('bm3');
  const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: 16 }), null);
  const params = bb.model.namedParameters();
  assert.ok(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { offloadPropagation: true }).offload);
  assert.equal(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { offloadPropagation: true, gradNorms: true }).offload, undefined);
  assert.equal(compileTrainStep(params, (b) => bb.buildLoss(b), { ...bb.optimizer, clipNorm: 1 }, { offloadPropagation: true }).offload, undefined);
});
