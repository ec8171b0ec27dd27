// SGFD-BM3's relation term (sgfd.relationWeight): the step's reported `rel` equals the relation loss
// recomputed in plain JS from BM3's ranking representations g(i) and the cached teacher over the
// batch's distinct items; its weight enters the objective linearly; backbones without a ranking
// representation the term can reach refuse it with a clear error.
import test from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { sgfdConfig, type SgfdConfig } from '../../src/sgfd/config.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { Rng } from '../../src/data/rng.ts';

const bm3 = backboneSpec('bm3');
const d = 8;
const ds = makeDataset(generateSynthetic({ users: 120, items: 80, categories: 4, density: 0.05, imageDim: 12, textDim: 10, seed: 3 }));
const cfg = resolveBackboneConfig(bm3, { embedding_dim: d, batch_size: 64, dropout: 0 });
const rng = new Rng(2);
const unitRows = (n: number) => {
  const x = Float32Array.from({ length: n * d }, () => rng.normal());
  for (let i = 0; i < n; i++) { const r = x.subarray(i * d, (i + 1) * d); const s = Math.hypot(...r); r.forEach((v, k) => { r[k] = v / s; }); }
  return x;
};
const teacher = ds.modalities.map(() => unitRows(ds.nItems));
const rows = Int32Array.from({ length: 64 }, (_, i) => (i * 7) % bm3.create(ds, cfg, null).trainRows);

async function oneStep(sg: SgfdConfig) {
  const bb = bm3.create(ds, cfg, sg, teacher);
  const params = bb.model.namedParameters();
  const values = initialValues(params, new Rng(9));
  const step = await TrainStep.create(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer), new Map([...values].map(([n, v]) => [n, v.slice()])), bb.optimizer);
  step.setFixedInputs(bb.fixedFeeds());
  const terms = await step.run(bb.batchFeeds(rows, new Rng(4)));
  await step.release();
  return { bb, params, values, terms };
}

function jsRelation(ranking: Float32Array, items: number[], tau: number): number {
  const unit = (i: number) => { const r = Array.from(ranking.subarray(i * d, (i + 1) * d)); const s = Math.hypot(...r); return r.map((v) => v / s); };
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let k = 0; k < d; k++) s += a[k] * b[k]; return s; };
  const tRow = (m: number, i: number) => teacher[m].subarray(i * d, (i + 1) * d);
  const softmax = (z: number[]) => { const mx = Math.max(...z); const e = z.map((v) => Math.exp(v - mx)); const s = e.reduce((p, q) => p + q); return e.map((v) => v / s); };
  let total = 0;
  for (const i of items) {
    const pt = softmax(items.map((j) => teacher.reduce((s, _, m) => s + dot(tRow(m, i), tRow(m, j)), 0) / teacher.length / tau));
    const pr = softmax(items.map((j) => dot(unit(i), unit(j)) / tau));
    total -= pt.reduce((s, p, k) => s + p * Math.log(pr[k]), 0);
  }
  return total / items.length;
}

test('SGFD-BM3 relation term: the step reports the relation loss of g(i) against the teacher over the distinct batch items', async () => {
  const sg = sgfdConfig('paper', { latentDim: d, studentOutput: 'linear', kdWeight: 0.01, relationWeight: 0.5, relationTau: 0.3 });
  const { bb, params, values, terms } = await oneStep(sg);
  const fwd = await compileForward(params, (b) => bb.buildScoring!(b));
  const reps = await fwd.run(values, bb.fixedFeeds());
  await fwd.release();
  const train = (bb as unknown as { train: { items: Int32Array } }).train;
  const items = [...new Set(Array.from(rows, (r) => train.items[r]))];
  assert.ok(items.length < rows.length && items.length > 10, `the batch repeats items (${items.length} distinct of ${rows.length})`);
  const want = jsRelation(reps.items.data as Float32Array, items, 0.3);
  assert.ok(Math.abs(terms['loss.rel'] - want) <= 1e-4 * want, `rel ${terms['loss.rel']} vs ${want}`);
  // λ3 enters the SGFD objective linearly: without the term, the objective drops by exactly λ3·rel.
  const off = await oneStep({ ...sg, relationWeight: 0 });
  assert.equal(off.terms['loss.rel'], undefined, 'no relation term when λ3 = 0');
  assert.ok(Math.abs(terms['loss.sgfd'] - off.terms['loss.sgfd'] - 0.5 * terms['loss.rel']) <= 1e-5 * (1 + terms['loss.sgfd']), `${terms['loss.sgfd']} − ${off.terms['loss.sgfd']} vs 0.5 × ${terms['loss.rel']}`);
  assert.ok(Math.abs(terms['loss.rec'] - off.terms['loss.rec']) <= 1e-6, 'the backbone\'s own terms are unchanged on the first step');
});

test('the relation term is refused by a backbone whose ranking representation it cannot reach', () => {
  const grcn = backboneSpec('grcn');
  const sg = sgfdConfig('reference', { latentDim: d, relationWeight: 0.1 });
  const bb = grcn.create(ds, resolveBackboneConfig(grcn, { embedding_dim: d }), sg);
  assert.throws(() => compileTrainStep(bb.model.namedParameters(), (b) => bb.buildLoss(b), bb.optimizer), /sgfd\.relationWeight > 0 needs a backbone .*\(bm3\)/);
});
