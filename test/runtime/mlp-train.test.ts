// A 2-layer MLP classifier trained with the fused Adam step: learns, and resumes bit-identically.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../../src/graph/index.ts';
import { MLP, type Binder } from '../../src/nn/index.ts';
import { initialValues } from '../../src/nn/module.ts';
import { softmaxCrossEntropy } from '../../src/nn/losses.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { type ForwardGraph } from '../../src/runtime/forward.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { writeCheckpoint, readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { Rng } from '../../src/data/rng.ts';

const [N, D, C, H] = [512, 16, 4, 32];

/** Four classes from Gaussian blobs around random centres (a nonlinear boundary for some pairs). */
function problem(seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: C * 2 }, () => Array.from({ length: D }, () => rng.normal() * 1.5));
  const x = new Float32Array(N * D);
  const y = new BigInt64Array(N);
  for (let i = 0; i < N; i++) {
    const k = rng.nextInt(C * 2);
    y[i] = BigInt(k % C); // two blobs per class: XOR-like layout
    for (let j = 0; j < D; j++) x[i * D + j] = centres[k][j] + rng.normal() * 0.5;
  }
  return { x, y };
}

async function setup(seed: number) {
  const model = new MLP([D, H, C], { activation: 'relu' });
  const params = model.namedParameters('mlp');
  const optimizer = { type: 'adam' as const, lr: 0.01 };
  const build = (b: Binder) => {
    const x = b.graph.input('x', 'float32', ['B', D]);
    const y = b.graph.input('y', 'int64', ['B']);
    return { loss: softmaxCrossEntropy(model.forward(b, x), y) };
  };
  const compiled = compileTrainStep(params, build, optimizer);
  const step = await TrainStep.create(compiled, initialValues(params, new Rng(seed)), optimizer);
  const fwd = await compileForward(params, (b) => {
    const x = b.graph.input('x', 'float32', ['B', D]);
    return { logits: model.forward(b, x) };
  });
  return { step, fwd };
}

async function trainEpochs(step: TrainStep, data: ReturnType<typeof problem>, from: number, to: number, batch = 64) {
  let last = 0;
  for (let e = from; e < to; e++) {
    const order = new Rng(1000 + e).shuffle(Array.from({ length: N }, (_, i) => i));
    for (let s = 0; s < N; s += batch) {
      const idx = order.slice(s, s + batch);
      const x = new Float32Array(idx.length * D);
      const y = new BigInt64Array(idx.length);
      idx.forEach((r, k) => { x.set(data.x.subarray(r * D, (r + 1) * D), k * D); y[k] = data.y[r]; });
      last = (await step.run({ x: { data: x, dims: [idx.length, D] }, y: { data: y, dims: [idx.length] } })).loss;
    }
  }
  return last;
}

async function accuracy(fwd: ForwardGraph, values: Map<string, Float32Array>, data: ReturnType<typeof problem>) {
  const out = await fwd.run(values, { x: { data: data.x, dims: [N, D] } });
  const logits = out.logits.data as Float32Array;
  let right = 0;
  for (let i = 0; i < N; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[i * C + c] > logits[i * C + best]) best = c;
    if (BigInt(best) === data.y[i]) right++;
  }
  return right / N;
}

test('fused Adam step trains an MLP classifier past 95 % train accuracy', async () => {
  const data = problem(7);
  const { step, fwd } = await setup(1);
  const before = await accuracy(fwd, step.values, data);
  const loss = await trainEpochs(step, data, 0, 30);
  const after = await accuracy(fwd, step.values, data);
  assert.ok(before < 0.6, `untrained accuracy ${before} should be near chance`);
  assert.ok(after > 0.95, `train accuracy ${after} after 30 epochs (loss ${loss})`);
  assert.equal(step.step, 30 * (N / 64));
});

test('resuming from a mid-run checkpoint ends bit-identical to the uninterrupted run', async () => {
  const data = problem(11);
  const straight = await setup(3);
  await trainEpochs(straight.step, data, 0, 6);

  const dir = mkdtempSync(join(tmpdir(), 'sgfd-resume-'));
  try {
    const first = await setup(3);
    await trainEpochs(first.step, data, 0, 3);
    writeCheckpoint(join(dir, 'ckpt'), first.step.checkpointTensors(), { step: first.step.step, epoch: 3, config: {} });
    await first.step.release();

    const resumed = await setup(99); // different init: everything must come from the checkpoint
    const { tensors, manifest } = readCheckpoint(join(dir, 'ckpt'));
    resumed.step.restore(tensors, manifest.step);
    await trainEpochs(resumed.step, data, 3, 6);
    assert.equal(resumed.step.step, straight.step.step);
    for (const [name, a] of straight.step.checkpointTensors()) {
      const b = resumed.step.checkpointTensors().get(name)!;
      assert.deepEqual(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength), Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), `tensor ${name} differs`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
