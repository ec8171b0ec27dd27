// The step's results do not depend on ONNX Runtime's thread count (README, *Threads*): at a
// Last.fm-sized shape, where ORT's kernels do split their work over two threads, each backbone's
// parameters and optimiser state after a few steps are the same bits at 1 and 2 intra-op threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset } from '../../src/data/dataset.ts';
import { generateSynthetic } from '../../src/data/synth.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { trainsNatively } from '../../src/runtime/native.ts';
import { batches } from '../../src/data/samplers.ts';
import { Rng } from '../../src/data/rng.ts';

const ds = makeDataset(generateSynthetic({ users: 1858, items: 1425, density: 0.024, imageDim: 128, textDim: 384, categories: 11, seed: 3 }));
const STEPS = 3;

async function trained(name: string, sgfd: boolean, threads: number): Promise<Map<string, Buffer>> {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, {}), sgfd ? sgfdConfig('reference', { latentDim: 128 }) : null, null);
  const params = bb.model.namedParameters();
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { native: trainsNatively() });
  const rng = new Rng(4);
  const step = await TrainStep.create(compiled, initialValues(params, rng), bb.optimizer, { threads });
  try {
    step.setFixedInputs(bb.fixedFeeds());
    const order = batches(bb.trainRows, bb.batchSize, rng);
    for (let s = 0; s < STEPS; s++) await step.run(bb.batchFeeds(order.next().value as Int32Array, rng));
    return new Map([...step.checkpointTensors()].map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
  } finally {
    await step.release();
  }
}

for (const [name, sgfd] of [['bm3', true], ['grcn', true], ['maml', false], ['lightgcn', false], ['ngcf', false], ['dgcf', false], ['mf-bpr', false], ['neumf', false], ['cml', false]] as const) {
  test(`${name}${sgfd ? ' + SGFD (reference)' : ''}: the same bits after ${STEPS} steps at 1 and 2 ORT threads`, async () => {
    const [one, two] = [await trained(name, sgfd, 1), await trained(name, sgfd, 2)];
    assert.deepEqual([...two.keys()], [...one.keys()]);
    for (const [k, v] of one) assert.ok(v.equals(two.get(k)!), `${name}: '${k}' differs between 1 and 2 threads`);
  });
}
