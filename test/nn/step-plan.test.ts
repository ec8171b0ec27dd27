// planTrainStep: the step compiled for its size. NGCF's propagation layers go native only in a small
// step (whose ORT session then runs on one thread fewer); the plan depends on the step's work alone,
// never on the thread count, so threads still never change a result.
import test from 'node:test';
import assert from 'node:assert/strict';
import { planTrainStep } from '../../src/nn/step-plan.ts';
import { PARALLEL_STEP_WORK } from '../../src/runtime/step-threads.ts';
import { nativeWork } from '../../src/runtime/propagation-offload.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { skip, ds } from '../backbones/native-steps.ts';

function plan(name: string, work: number | null, threads = 2) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: 16, batch_size: 256 }), null);
  const counted: number[] = [];
  const p = planTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer, { native: true }, threads, () => { counted.push(1); return work; });
  assert.equal(counted.length, 1, 'the work is counted once');
  return p;
}

test('planTrainStep: a small NGCF step runs its layers natively, in stages, on one thread fewer', { skip }, () => {
  const p = plan('ngcf', PARALLEL_STEP_WORK - 1);
  assert.equal(p.threads, 1);
  assert.equal(p.work, PARALLEL_STEP_WORK - 1);
  assert.ok(p.compiled.stages && !p.compiled.bytes && p.compiled.smallStepKernels);
  assert.equal(nativeWork(p.compiled), 'edges + Adam');
});

test('planTrainStep: an NGCF step that is not small (or of unknown work) is compiled again as one fused graph', { skip }, () => {
  for (const work of [PARALLEL_STEP_WORK, null]) {
    const p = plan('ngcf', work);
    assert.equal(p.threads, 2);
    assert.ok(p.compiled.bytes && !p.compiled.stages && !p.compiled.smallStepKernels);
  }
});

test('planTrainStep: the thread count changes the threads, not the graph', { skip }, () => {
  const graphs = [1, 2, 4].map((t) => plan('ngcf', 0, t));
  assert.deepEqual(graphs.map((p) => p.threads), [1, 1, 3]);
  for (const p of graphs.slice(1)) assert.deepEqual(p.compiled.stages, graphs[0].compiled.stages);
});

test('planTrainStep: a step without small-step kernels compiles the same either way', { skip }, () => {
  const small = plan('lightgcn', 0);
  const big = plan('lightgcn', PARALLEL_STEP_WORK);
  assert.deepEqual([small.threads, big.threads], [1, 2]);
  assert.ok(!small.compiled.smallStepKernels && !big.compiled.smallStepKernels);
  assert.deepEqual(small.compiled.bytes, big.compiled.bytes);
});
