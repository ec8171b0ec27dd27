// planTrainStep: the step compiled for the threads it gets. NGCF's propagation layers go native only
// on one ORT thread (they lose to ORT's own threads); a step that gets more is compiled without them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { planTrainStep } from '../../src/nn/step-plan.ts';
import { PARALLEL_STEP_WORK } from '../../src/runtime/step-threads.ts';
import { nativeWork } from '../../src/runtime/propagation-offload.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { skip, ds } from '../backbones/native-steps.ts';

function plan(name: string, work: number | null) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: 16, batch_size: 256 }), null);
  const counted: number[] = [];
  const p = planTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer, { native: true }, 2, () => { counted.push(1); return work; });
  assert.equal(counted.length, 1, 'the work is counted once');
  return p;
}

test('planTrainStep: NGCF on one ORT thread runs its layers natively, in stages', { skip }, () => {
  const p = plan('ngcf', PARALLEL_STEP_WORK - 1);
  assert.equal(p.threads, 1);
  assert.equal(p.work, PARALLEL_STEP_WORK - 1);
  assert.ok(p.compiled.stages && !p.compiled.bytes && p.compiled.singleThreadOnly);
  assert.equal(nativeWork(p.compiled), 'edges + Adam');
});

test('planTrainStep: NGCF given two ORT threads is compiled again as one fused graph', { skip }, () => {
  for (const work of [PARALLEL_STEP_WORK, null]) {
    const p = plan('ngcf', work);
    assert.equal(p.threads, 2);
    assert.ok(p.compiled.bytes && !p.compiled.stages && !p.compiled.singleThreadOnly);
  }
});

test('planTrainStep: a step without one-thread kernels compiles the same either way', { skip }, () => {
  const one = plan('lightgcn', 0);
  const two = plan('lightgcn', PARALLEL_STEP_WORK);
  assert.deepEqual([one.threads, two.threads], [1, 2]);
  assert.ok(!one.compiled.singleThreadOnly && !two.compiled.singleThreadOnly);
  assert.deepEqual(one.compiled.bytes, two.compiled.bytes);
});
