// The worker-hosted train step gives the same trajectory as the in-thread one, and keeps the main
// thread free while it runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { Linear, initialValues, mseLoss } from '../../src/nn/index.ts';
import { TrainStep, NonFiniteError } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { WorkerTrainStep } from '../../src/runtime/worker-step.ts';
import { Rng } from '../../src/data/rng.ts';

function setup() {
  const model = new Linear(64, 8);
  const params = model.namedParameters('lin');
  const optimizer = { type: 'adam' as const, lr: 0.01 };
  const compiled = compileTrainStep(params, (b) => {
    const x = b.graph.input('x', 'float32', ['B', 64]);
    const y = b.graph.input('y', 'float32', ['B', 8]);
    return { loss: mseLoss(model.forward(b, x), y) };
  }, optimizer);
  const rng = new Rng(3);
  const batches = Array.from({ length: 10 }, () => ({
    x: { data: Float32Array.from({ length: 256 * 64 }, () => rng.normal()), dims: [256, 64] },
    y: { data: Float32Array.from({ length: 256 * 8 }, () => rng.normal()), dims: [256, 8] },
  }));
  return { params, optimizer, compiled, batches };
}

test('a train step in a worker thread matches the in-thread trajectory bit for bit', async () => {
  const { params, optimizer, compiled, batches } = setup();
  const local = await TrainStep.create(compiled, initialValues(params, new Rng(1)), optimizer);
  const remote = await WorkerTrainStep.create(compiled, initialValues(params, new Rng(1)), optimizer);
  try {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    for (const b of batches) {
      const [a, r] = [await local.run(b), await remote.run(b)];
      assert.equal(r.loss, a.loss);
    }
    clearInterval(timer);
    assert.ok(ticks > 0, 'the main thread kept running timers while the worker trained');
    assert.equal(remote.step, 10);
    const got = await remote.checkpointTensors();
    for (const [name, t] of local.checkpointTensors()) assert.deepEqual(got.get(name)!.data, t.data, name);
  } finally {
    await remote.release();
  }
});

test('a non-finite loss in the worker surfaces as NonFiniteError naming the term', async () => {
  const { params, optimizer, compiled, batches } = setup();
  const remote = await WorkerTrainStep.create(compiled, initialValues(params, new Rng(1)), optimizer);
  try {
    const bad = { ...batches[0], y: { data: new Float32Array(256 * 8).fill(Number.NaN), dims: [256, 8] } };
    await assert.rejects(remote.run(bad), (e: Error) => e instanceof NonFiniteError && /loss term 'loss' is NaN at step 1/.test(e.message));
    assert.equal(remote.step, 0);
  } finally {
    await remote.release();
  }
});
