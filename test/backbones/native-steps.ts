// Shared by the tests of train steps that leave work to the native kernels: a small multimodal
// dataset, a few steps of a backbone compiled fused or native, and the comparison of the two.
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig, type ConfigValue } from '../../src/backbones/index.ts';
import { type SgfdConfig } from '../../src/sgfd/config.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { nativeKernels } from '../../src/runtime/native.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { initialValues, type OptimizerConfig } from '../../src/nn/index.ts';
import { batches } from '../../src/data/samplers.ts';
import { Rng } from '../../src/data/rng.ts';

const { kernels, why } = nativeKernels();
export const skip = kernels || process.env.SGFD_REQUIRE_NATIVE === '1' ? false : `native kernels unavailable: ${why}`;
export const ds = makeDataset(generateSynthetic({ users: 300, items: 200, categories: 6, density: 0.03, imageDim: 48, textDim: 24, seed: 5 }));
export const STEPS = 6;

export async function run(name: string, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, offload: boolean, optimizer: Partial<OptimizerConfig>) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, cfg), sg);
  const params = bb.model.namedParameters();
  const opt = { ...bb.optimizer, ...optimizer };
  // As a small step compiles (nn/step-plan.ts): NGCF's propagation layers native too.
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), opt, { native: offload, smallStep: offload });
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
export async function assertSameSteps(name: string, cfg: Record<string, ConfigValue>, sg: SgfdConfig | null, onlyPropagated: string[], optimizer: Partial<OptimizerConfig> = {}, nativeAdam = true) {
  const fused = await run(name, cfg, sg, false, optimizer);
  const offloaded = await run(name, cfg, sg, true, optimizer);
  assert.equal(fused.compiled.offload, undefined);
  return assertSame(fused, offloaded, onlyPropagated, nativeAdam);
}

export function assertSame(fused: Awaited<ReturnType<typeof run>>, offloaded: Awaited<ReturnType<typeof run>>, onlyPropagated: string[], nativeAdam: boolean) {
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
