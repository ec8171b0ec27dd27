// The train step's share of a run's threads: its products counted for a batch (by hand here), and the
// rule that leaves the batch builder a core when they are small.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MLP, type Binder } from '../../src/nn/index.ts';
import { softmaxCrossEntropy } from '../../src/nn/losses.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { PARALLEL_STEP_WORK, firstBatchWork, stepMultiplyAdds, stepThreads } from '../../src/runtime/step-threads.ts';
import { Rng } from '../../src/data/rng.ts';
import { PARALLEL_KERNEL_WORK } from '../../src/runtime/native.ts';

const [D, H, C] = [16, 32, 4];

function compiled() {
  const model = new MLP([D, H, C], { activation: 'relu' });
  const build = (b: Binder) => {
    const x = b.graph.input('x', 'float32', ['B', D]);
    const y = b.graph.input('y', 'int64', ['B']);
    return { loss: softmaxCrossEntropy(model.forward(b, x), y) };
  };
  return compileTrainStep(model.namedParameters('mlp'), build, { type: 'adam', lr: 0.01 });
}

// Forward x·W1 (B·D·H) and h·W2 (B·H·C); backward dW2 = hᵀ·dz (H·C·B), dh = dz·W2ᵀ (B·H·C), dW1 = xᵀ·dh
// (D·H·B); no gradient for the input x.
const perRow = 2 * D * H + 3 * H * C;
const feeds = (rows: Int32Array) => ({ x: { data: new Float32Array(rows.length * D), dims: [rows.length, D] }, y: { data: new BigInt64Array(rows.length), dims: [rows.length] } });

test('stepMultiplyAdds: a 2-layer MLP step does B·(2DH + 3HC) multiply-adds', () => {
  assert.equal(stepMultiplyAdds(compiled(), feeds(new Int32Array(64))), 64 * perRow);
  assert.equal(stepMultiplyAdds(compiled(), feeds(new Int32Array(5))), 5 * perRow);
});

test('firstBatchWork: counts the first batch an epoch draws, without drawing from the run\'s rng', () => {
  const rng = new Rng(3);
  const before = JSON.stringify(rng.getState());
  let drew = 0;
  const work = firstBatchWork(compiled(), 100, 64, rng, (rows, r) => { drew = r.nextUint32(); return feeds(rows); }, {});
  assert.equal(work, 64 * perRow);
  assert.equal(JSON.stringify(rng.getState()), before, 'the run\'s stream is untouched');
  assert.notEqual(drew, 0, 'the feeds drew from a copy');
  assert.equal(firstBatchWork(compiled(), 40, 64, rng, feeds, {}), 40 * perRow, 'fewer rows than a batch');
  assert.equal(firstBatchWork(compiled(), 0, 64, rng, feeds, {}), null, 'no rows: nothing to count');
});

test('stepThreads: every thread for big or unknown work, one fewer (at least one) for small', () => {
  const [small, big] = [PARALLEL_STEP_WORK - 1, PARALLEL_STEP_WORK];
  const c = {};
  assert.equal(stepThreads(c, 2, small), 1);
  assert.equal(stepThreads(c, 2, big), 2);
  assert.equal(stepThreads(c, 2, null), 2);
  assert.equal(stepThreads(c, undefined, small), 1, 'ORT\'s default of 2');
  assert.equal(stepThreads(c, 1, small), 1);
  assert.equal(stepThreads(c, 4, small), 3);
  assert.equal(stepThreads(c, 4, big), 4);
});

test('stepThreads: a propagation big enough for several native threads keeps every thread', () => {
  const propagation = (edges: number, cols: number) => ({ offload: { propagations: [{ index: new Int32Array(edges), cols }] } }) as unknown as Parameters<typeof stepThreads>[0];
  const edges = PARALLEL_KERNEL_WORK / 64;
  assert.equal(stepThreads(propagation(edges, 64), 2, 0), 2, 'a Toys-sized propagation');
  assert.equal(stepThreads(propagation(edges - 1, 64), 2, 0), 1, 'one edge fewer');
});
