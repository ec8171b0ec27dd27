// The worker-hosted train step gives the same trajectory as the in-thread one, and keeps the main
// thread free while it runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { Linear, initialValues, mseLoss } from '../../src/nn/index.ts';
import { TrainStep, NonFiniteError } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { WorkerTrainStep, movableBuffers } from '../../src/runtime/worker-step.ts';
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
    // For evaluation: the parameters alone, the same values.
    const paramsOnly = await remote.checkpointTensors({ state: false });
    assert.deepEqual([...paramsOnly.keys()].sort(), [...compiled.params.keys()].sort());
    assert.ok(got.size > paramsOnly.size, 'the full fetch also holds the optimiser state');
    for (const [name, t] of paramsOnly) assert.deepEqual(t.data, got.get(name)!.data, name);
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

test('run(batch, { move: true }) moves whole buffers to the worker (detached here) and gives the same step as a copy', async () => {
  const { params, optimizer, compiled, batches } = setup();
  const copied = await WorkerTrainStep.create(compiled, initialValues(params, new Rng(1)), optimizer);
  const moved = await WorkerTrainStep.create(compiled, initialValues(params, new Rng(1)), optimizer);
  try {
    for (const b of batches.slice(0, 3)) {
      const fresh = { x: { data: b.x.data.slice(), dims: b.x.dims }, y: { data: b.y.data.slice(), dims: b.y.dims } };
      const a = await copied.run(b);
      assert.equal(b.x.data.length, 256 * 64, 'without move the caller keeps its arrays');
      assert.equal((await moved.run(fresh, { move: true })).loss, a.loss);
      assert.equal(fresh.x.data.length, 0, 'moved: detached in this thread');
    }
    const [want, got] = [await copied.checkpointTensors(), await moved.checkpointTensors()];
    for (const [name, t] of want) assert.deepEqual(got.get(name)!.data, t.data, name);
  } finally {
    await copied.release();
    await moved.release();
  }
});

test('movableBuffers: only arrays that alone span their whole buffer move', () => {
  const whole = new Float32Array(8);
  const shared = new Float32Array(16);
  const big = new BigInt64Array(4);
  const got = movableBuffers({
    whole: { data: whole, dims: [8] },
    half: { data: shared.subarray(0, 8), dims: [8] },
    otherHalf: { data: shared.subarray(8), dims: [8] },
    ids: { data: big, dims: [4] },
  });
  assert.equal(got.length, 2);
  assert.ok(got.includes(whole.buffer) && got.includes(big.buffer) && !got.includes(shared.buffer));
  const one = new Float32Array(4);
  assert.deepEqual(movableBuffers({ a: { data: one, dims: [4] }, b: { data: one, dims: [4] } }), [], 'one buffer under two names is copied');
});
