// Tables read only through a gather give the native Adam kernel their gradient's rows instead of the
// dense table (OffloadPlan.rowGradients, native adamRows): after a few steps every parameter and
// optimiser state has the same bits as with the dense gradient; the step graph outputs those tables'
// rows and ids and no dense gradient for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig } from '../../src/sgfd/config.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { gradientOf, rowGradientOf } from '../../src/runtime/index.ts';
import { decodeModel } from '../../src/graph/index.ts';
import { batches } from '../../src/data/samplers.ts';
import { Rng } from '../../src/data/rng.ts';
import { ds, skip } from './native-steps.ts';

const STEPS = 4;

async function trained(name: string, sgfd: boolean, rowGradients: boolean) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, { batch_size: 64 }), sgfd ? sgfdConfig('reference', { latentDim: 16 }) : null, null);
  const params = bb.model.namedParameters();
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer, { native: true, rowGradients });
  const rng = new Rng(4);
  const step = await TrainStep.create(compiled, initialValues(params, rng), bb.optimizer, { threads: 2 });
  try {
    step.setFixedInputs(bb.fixedFeeds());
    const order = batches(bb.trainRows, bb.batchSize, rng);
    for (let s = 0; s < STEPS; s++) await step.run(bb.batchFeeds(order.next().value as Int32Array, rng));
    const tensors = new Map([...step.checkpointTensors()].map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
    return { compiled, tensors };
  } finally {
    await step.release();
  }
}

// Which tables give rows: those read only through one gather of planned ids (a table gathered twice —
// positives and negatives — sums two gradients and stays dense), never a propagated one.
const CASES = [
  ['grcn', true, ['confidence']], ['mf-bpr', false, ['userEmbedding']], ['neumf', false, ['gmf.userEmbedding', 'mlp.userEmbedding']],
  ['bm3', true, []], ['lightgcn', false, []],
] as const;

for (const [name, sgfd, expected] of CASES) {
  test(`${name}${sgfd ? ' + SGFD (reference)' : ''}: gradient rows give the dense gradient's update to the bit`, { skip }, async () => {
    const [rows, dense] = [await trained(name, sgfd, true), await trained(name, sgfd, false)];
    assert.equal(dense.compiled.offload?.rowGradients, undefined, 'rowGradients: false keeps every gradient dense');
    assert.deepEqual(rows.compiled.offload?.rowGradients ?? [], expected);
    assert.deepEqual([...rows.tensors.keys()], [...dense.tensors.keys()]);
    for (const [k, v] of dense.tensors) assert.ok(v.equals(rows.tensors.get(k)!), `${name}: '${k}' differs from the dense gradient's update`);
    const outputs = rows.compiled.bytes ? decodeModel(rows.compiled.bytes).outputs.map((o) => o.name) : null;
    for (const p of expected) {
      assert.ok(rows.compiled.offload!.graphGradients.includes(p));
      if (outputs) assert.deepEqual([outputs.includes(rowGradientOf(p).rows), outputs.includes(rowGradientOf(p).ids), outputs.includes(gradientOf(p))], [true, true, false], p);
    }
  });
}
