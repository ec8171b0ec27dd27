// Gradient-norm diagnostics of the fused train step: each term's ‖∂term/∂θ_group‖ against float64
// central finite differences of a plain-JS copy of the same tiny model; terms that do not reach a
// group emit nothing; the optimiser update is unchanged by the extra outputs.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { Module, Parameter, init, type Binder } from '../../src/nn/index.ts';
import { initialValues } from '../../src/nn/module.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { Rng } from '../../src/data/rng.ts';

const [U, D, F, B] = [5, 3, 4, 6];

class Tiny extends Module {
  readonly userEmbedding = new Parameter([U, D], init.normal(0.5));
  readonly extractorW = new Parameter([F, D], init.normal(0.5));
  constructor() { super(); }
}

const users = [0, 2, 4, 1, 2, 3];
const x = Float32Array.from({ length: B * F }, (_, i) => Math.sin(i * 1.7) + 0.3);

// The same model in plain JS (float64): f = tanh(x W); rec = mean((u·f)²)... two terms:
//   align = mean_b (1 − Σ_d u_bd f_bd)², kd = mean_b Σ_d (f_bd − 0.5)²  (kd does not reach the embeddings)
function terms(E: Float64Array, W: Float64Array): { align: number; kd: number } {
  let align = 0;
  let kd = 0;
  for (let b = 0; b < B; b++) {
    let dot = 0;
    for (let d = 0; d < D; d++) {
      let z = 0;
      for (let k = 0; k < F; k++) z += x[b * F + k] * W[k * D + d];
      const f = Math.tanh(z);
      dot += E[users[b] * D + d] * f;
      kd += (f - 0.5) ** 2;
    }
    align += (1 - dot) ** 2;
  }
  return { align: align / B, kd: kd / B };
}

function fdNorm(term: 'align' | 'kd', E: Float64Array, W: Float64Array, wrt: Float64Array): number {
  const h = 1e-6;
  let sq = 0;
  for (let i = 0; i < wrt.length; i++) {
    const keep = wrt[i];
    wrt[i] = keep + h; const up = terms(E, W)[term];
    wrt[i] = keep - h; const down = terms(E, W)[term];
    wrt[i] = keep;
    sq += ((up - down) / (2 * h)) ** 2;
  }
  return Math.sqrt(sq);
}

function build(model: Tiny) {
  return (b: Binder) => {
    const g = b.graph;
    const ids = G.indexInput(g, 'users', ['B'], U);
    const feats = G.tanh(G.matmul(g.input('x', 'float32', ['B', F]), b.param(model.extractorW)));
    const dot = G.reduceSum(G.mul(G.gather(b.param(model.userEmbedding), ids), feats), [1]);
    const align = G.reduceMean(G.square(G.sub(1, dot)));
    const kd = G.reduceMean(G.reduceSum(G.square(G.sub(feats, 0.5)), [1]));
    return { loss: G.add(align, kd), terms: { align, kd } };
  };
}

const feeds = () => ({ users: { data: BigInt64Array.from(users, BigInt), dims: [B] }, x: { data: x, dims: [B, F] } });

test('gradient norms per term and group match float64 finite differences', async () => {
  const model = new Tiny();
  const params = model.namedParameters();
  const optimizer = { type: 'sgd' as const, lr: 0.1 };
  const groups = (name: string) => (name === 'extractorW' ? 'extractor' : name === 'userEmbedding' ? 'embeddings' : null);
  const compiled = compileTrainStep(params, build(model), optimizer, { gradNorms: groups });
  assert.deepEqual(compiled.diagnostics.sort(), ['gradnorm.align.embeddings', 'gradnorm.align.extractor', 'gradnorm.kd.extractor', 'gradnorm.loss.embeddings', 'gradnorm.loss.extractor']);
  const values = initialValues(params, new Rng(3));
  const E = Float64Array.from(values.get('userEmbedding')!);
  const W = Float64Array.from(values.get('extractorW')!);
  const step = await TrainStep.create(compiled, values, optimizer);
  const out = await step.run(feeds());
  await step.release();
  const expect = {
    'gradnorm.align.embeddings': fdNorm('align', E, W, E),
    'gradnorm.align.extractor': fdNorm('align', E, W, W),
    'gradnorm.kd.extractor': fdNorm('kd', E, W, W),
  };
  for (const [k, v] of Object.entries(expect)) {
    assert.ok(v > 1e-3, `${k}: the oracle is not trivially zero (${v})`);
    assert.ok(Math.abs(out[k] - v) <= 1e-4 + 1e-3 * v, `${k}: step says ${out[k]}, finite differences ${v}`);
  }
  // The total's norm is the norm of the summed gradients, not the sum of norms.
  assert.ok(out['gradnorm.loss.extractor'] < out['gradnorm.align.extractor'] + out['gradnorm.kd.extractor'] + 1e-6);
});

test('the diagnostics leave the parameter update unchanged', async () => {
  const model = new Tiny();
  const params = model.namedParameters();
  const optimizer = { type: 'adam' as const, lr: 0.05 };
  const run = async (gradNorms: boolean) => {
    const step = await TrainStep.create(compileTrainStep(params, build(model), optimizer, { gradNorms }), initialValues(params, new Rng(5)), optimizer);
    const out = await step.run(feeds());
    const after = [...step.values.values()].map((v) => Array.from(v));
    await step.release();
    return { out, after };
  };
  const plain = await run(false);
  const withNorms = await run(true);
  assert.deepEqual(withNorms.after, plain.after);
  assert.equal(withNorms.out.loss, plain.out.loss);
  assert.ok(!Object.keys(plain.out).some((k) => k.startsWith('gradnorm.')));
  assert.ok(withNorms.out['gradnorm.align.embeddings'] > 0, 'the default groups put userEmbedding under embeddings');
});
