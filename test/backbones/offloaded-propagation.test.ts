// Train steps that leave work to the native kernels (compileTrainStep's `native`;
// runtime/propagation-offload.ts, offload-runner.ts) are the fused steps' math: with LightGCN-style
// propagation outside — BM3 (vanilla and SGFD's reference profile, one layer, the item ID also read
// directly) and LightGCN (three layers) — the same loss terms step after step and the same parameters
// and Adam state after several steps, to float rounding; with Adam's update alone outside (MAML, whose
// unit-ball embeddings stay in the graph; GRCN), bit for bit. Other optimisers update on a graph of
// their own; options that need every gradient inside one graph keep the fused step.
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
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), opt, { native: offload });
  const rng = new Rng(7);
  const step = await TrainStep.create(compiled, initialValues(params, rng), opt, { threads: 2 });
  step.setFixedInputs(bb.fixedFeeds());
  const order = batches(bb.trainRows, bb.batchSize, rng);
  const losses: Record<string, number>[] = [];
  for (let s = 0; s < STEPS; s++) losses.push(await step.run(bb.batchFeeds(order.next().value as Int32Array, rng)));
  const tensors = step.checkpointTensors();
  await step.release();
  const constrained = [...params.values()].filter((q) => q.maxRowNorm !== undefined).map((q) => q.name);
  return { compiled, losses, tensors, constrained };
}

/** `onlyPropagated`: parameters the loss reads only through the propagation (no gradient from the graph). */
async function assertSameSteps(name: string, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, onlyPropagated: string[], optimizer: Partial<OptimizerConfig> = {}, nativeAdam = true) {
  const fused = await run(name, cfg, sg, false, optimizer);
  const offloaded = await run(name, cfg, sg, true, optimizer);
  assert.equal(fused.compiled.offload, undefined);
  return assertSame(fused, offloaded, onlyPropagated, nativeAdam);
}

function assertSame(fused: Awaited<ReturnType<typeof run>>, offloaded: Awaited<ReturnType<typeof run>>, onlyPropagated: string[], nativeAdam: boolean) {
  assert.ok(offloaded.compiled.offload, 'the step offloads its propagation');
  const plan = offloaded.compiled.offload;
  assert.equal(plan.nativeAdam !== null, nativeAdam, 'the update runs on the native Adam kernel');
  // Plain Adam: every parameter without a row-norm constraint is updated outside the step graph;
  // otherwise the propagated ones only.
  const outside = nativeAdam ? fused.compiled.trainable.filter((n) => !fused.constrained.includes(n)) : ['userEmbedding', 'itemEmbedding'];
  assert.deepEqual(plan.optimizer.params, outside);
  assert.deepEqual(offloaded.compiled.trainable, fused.compiled.trainable.filter((n) => !outside.includes(n)), 'the step graph updates the rest');
  assert.deepEqual(plan.graphGradients, outside.filter((n) => !onlyPropagated.includes(n)), 'gradients the step graph gives back');
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

test('Adam outside the step graph without propagation (MAML: its unit-ball embeddings stay inside; GRCN): the fused step\'s', { skip }, async () => {
  for (const [name, cfg] of [['maml', { embedding_dim: 16, batch_size: 256 }], ['grcn', { embedding_dim: 16, batch_size: 256 }]] as const) {
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
