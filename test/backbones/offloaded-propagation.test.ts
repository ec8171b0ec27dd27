// Train steps that leave work to the native kernels (compileTrainStep's `native`;
// runtime/propagation-offload.ts, offload-runner.ts) are the fused steps' math: with LightGCN-style
// propagation outside — BM3 (vanilla and SGFD's reference profile, one layer, the item ID also read
// directly) and LightGCN (three layers) — the same loss terms step after step and the same parameters
// and Adam state after several steps, to float rounding; with Adam's update alone outside (MAML, whose
// unit-ball embeddings stay in the graph), bit for bit (GRCN and DGCF: staged-edges.test.ts). Other optimisers update on a graph of
// their own; options that need every gradient inside one graph keep the fused step.
import test from 'node:test';
import assert from 'node:assert/strict';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { ds, skip, run, assertSame, assertSameSteps } from './native-steps.ts';

test('BM3 with its propagation offloaded: the fused step\'s losses, parameters and Adam state', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, null, ['userEmbedding']);
});

test('SGFD-BM3 (reference profile) with its propagation offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, sgfdConfig('reference', { latentDim: 16 }), ['userEmbedding']);
});

test('LightGCN (three layers) with its propagation offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, []);
});

test('Adam with L2 weight decay and a learning-rate scale on the embeddings\' group, offloaded: the fused step\'s', { skip }, async () => {
  await assertSameSteps('bm3', { embedding_dim: 16, batch_size: 256 }, null, ['userEmbedding'], { weightDecay: 0.05, groups: { default: { lrScale: 0.5 } } });
});

test('AdamW and SGD with momentum, offloaded, update on their optimiser graph: the fused step\'s', { skip }, async () => {
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, [], { type: 'adamw', weightDecay: 0.05 }, false);
  await assertSameSteps('lightgcn', { embedding_dim: 16, batch_size: 256 }, null, [], { type: 'sgd', lr: 0.05, momentum: 0.9 }, false);
});

test('Adam outside the step graph without propagation (MAML: its unit-ball embeddings stay inside): the fused step\'s', { skip }, async () => {
  for (const [name, cfg] of [['maml', { embedding_dim: 16, batch_size: 256 }]] as const) {
    const fused = await run(name, cfg, null, false, {});
    const outside = await run(name, cfg, null, true, {});
    assert.equal(outside.compiled.offload?.propagations.length, 0, `${name} has no LightGCN-style propagation`);
    if (name === 'maml') assert.ok(fused.constrained.length > 0 && fused.constrained.every((n) => outside.compiled.trainable.includes(n)), 'constrained parameters are updated in the graph');
    assertSame(fused, outside, [], true);
    // The native update is the graph's to the last bit (the graph's own bias corrections, the same
    // float32 operations in the same order): without a propagation nothing else differs.
    for (const [key, t] of fused.tensors) assert.deepEqual(outside.tensors.get(key)!.data, t.data, `${name}: ${key} is not bit for bit the fused step's`);
    assert.deepEqual(outside.losses, fused.losses);
  }
});

test('gradient norms and clipping keep the fused step (they need every gradient in one graph)', () => {
  const spec = backboneSpec('bm3');
  const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: 16 }), null);
  const params = bb.model.namedParameters();
  assert.ok(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { native: true }).offload);
  assert.equal(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { native: true, gradNorms: true }).offload, undefined);
  assert.equal(compileTrainStep(params, (b) => bb.buildLoss(b), { ...bb.optimizer, clipNorm: 1 }, { native: true }).offload, undefined);
});
