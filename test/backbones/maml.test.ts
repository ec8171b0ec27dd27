// MAML: every loss term and the scores against an independent plain-JS computation on a tiny
// input; it learns on the synthetic default (vanilla and SGFD) beyond random and popularity; its
// embedding rows stay in the unit ball; train_only_embeddings (the reference's behaviour) freezes
// every other parameter bit for bit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { popularityRecall } from './baselines.ts';
import * as G from '../../src/graph/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset, type Dataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig, type ConfigValue } from '../../src/backbones/index.ts';
import { train, TRAIN_DEFAULTS } from '../../src/train/trainer.ts';
import { RUN_FILES } from '../../src/run/files.ts';
import { readCheckpoint } from '../../src/runtime/checkpoint.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { sgfdConfig, type SgfdConfig } from '../../src/sgfd/config.ts';
import { initialValues } from '../../src/nn/index.ts';
import { Rng } from '../../src/data/rng.ts';
import { assertPerDistinctMatchesPerSlot } from './per-distinct.ts';

const maml = backboneSpec('maml');

// ---- the tiny input and its plain-JS oracle ----

type Vec = number[];
const dot = (a: Vec, b: Vec) => a.reduce((s, x, i) => s + x * b[i], 0);
const l2 = (a: Vec) => { const n = Math.max(Math.sqrt(dot(a, a)), 1e-12); return a.map((x) => x / n); };
const clip = (a: Vec) => { const n = Math.max(Math.sqrt(dot(a, a)), 1); return a.map((x) => x / n); };
const relu = (a: Vec) => a.map((x) => Math.max(x, 0));
const softmax = (a: Vec) => { const m = Math.max(...a); const e = a.map((x) => Math.exp(x - m)); const s = e.reduce((p, q) => p + q); return e.map((x) => x / s); };
/** Row of W [in, out] (row-major) applied to x, plus bias. */
const dense = (p: Map<string, Float32Array>, name: string, x: Vec) => {
  const w = p.get(`${name}.weight`)!;
  const b = p.get(`${name}.bias`)!;
  return Array.from(b, (bj, j) => x.reduce((s, xi, i) => s + xi * w[i * b.length + j], bj));
};
const row = (a: Float32Array, r: number, d: number) => Array.from(a.subarray(r * d, (r + 1) * d));

const D = 2;
const RAW_DIM = 3;
/** 2 users, 3 items, one modality of 3 features; user 0 trained on item 0, user 1 on item 1. */
function tinyDataset(): Dataset {
  return makeDataset({
    nUsers: 2, nItems: 3,
    interactions: { user: Int32Array.from([0, 1, 0, 1]), item: Int32Array.from([0, 1, 2, 2]), split: Int8Array.from([0, 0, 1, 1]), timestamp: null },
    labels: null, nLabels: 0, labelNames: null,
    modalities: [{ name: 'image', dim: RAW_DIM, data: Float32Array.from([0.9, -0.4, 0.3, -0.2, 0.8, 0.5, 0.4, 0.1, -0.7]) }],
    meta: { name: 'tiny', source: 'test', created: null, synthetic: true, notes: {} },
  });
}

function oracle(ds: Dataset, p: Map<string, Float32Array>, cfg: { margin: number; feature_weight: number; cov_weight: number }) {
  const U = (u: number) => row(p.get('userEmbedding')!, u, D);
  const V = (i: number) => row(p.get('itemEmbedding')!, i, D);
  const proj = (i: number) => {
    let h = dense(p, 'extractor.vanilla.0', row(ds.modalities[0].data, i, RAW_DIM));
    h = relu(dense(p, 'projection.layers.0', l2(h)));
    h = relu(dense(p, 'projection.layers.1', l2(h)));
    h = relu(dense(p, 'projection.layers.2', l2(h)));
    return clip(dense(p, 'projection.layers.3', h));
  };
  const distance = (u: number, i: number) => {
    const x = l2([...U(u), ...V(i), ...proj(i)]);
    const t = dense(p, 'attention.hidden', x).map(Math.tanh);
    const a = softmax(relu(dense(p, 'attention.output', l2(t)))).map((w) => w * D);
    return a.reduce((s, ak, k) => s + ak * ak * (U(u)[k] - V(i)[k]) ** 2, 0);
  };
  const lossOf = (users: number[], items: number[][]) => {
    let hinge = 0;
    let feature = 0;
    users.forEach((u, b) => {
      const [pos, ...negs] = items[b];
      const dPos = distance(u, pos);
      const dNeg = negs.map((n) => distance(u, n));
      const violating = dNeg.filter((dn) => dPos - dn + cfg.margin > 0).length;
      hinge += Math.log(1 + ds.nItems * violating / negs.length) * Math.max(0, dPos - Math.min(...dNeg) + cfg.margin);
      feature += V(pos).reduce((s, x, k) => s + (x - proj(pos)[k]) ** 2, 0);
    });
    // Covariance (population, 1/N) of the rows [v_pos; u], then the sum of its off-diagonal entries.
    const rows = [...users.map((_, b) => V(items[b][0])), ...users.map(U)];
    const mean = Array.from({ length: D }, (_, k) => rows.reduce((s, r) => s + r[k], 0) / rows.length);
    let cov = 0;
    for (let j = 0; j < D; j++) for (let k = 0; k < D; k++) {
      if (j !== k) cov += rows.reduce((s, r) => s + (r[j] - mean[j]) * (r[k] - mean[k]), 0) / rows.length;
    }
    return { hinge, feature, cov, loss: hinge + cfg.feature_weight * feature + cfg.cov_weight * cov };
  };
  return { lossOf, distance };
}

test('MAML loss terms and scores match a plain-JS computation on 2 users × 3 items', async () => {
  const ds = tinyDataset();
  const settings = { embedding_dim: D, negatives: 2, margin: 1.0, feature_weight: 0.7, cov_weight: 5.0 };
  const bb = maml.create(ds, resolveBackboneConfig(maml, settings), null);
  const params = bb.model.namedParameters();
  const values = initialValues(params, new Rng(11));
  // Set the embeddings explicitly (inside the unit ball, as training keeps them).
  values.set('userEmbedding', Float32Array.from([0.6, -0.3, -0.2, 0.7]));
  values.set('itemEmbedding', Float32Array.from([0.5, -0.1, 0.1, 0.9, -0.8, 0.2]));
  const users = [0, 1];
  const items = [[0, 1, 2], [1, 2, 2]];
  const feeds = {
    users: { data: BigInt64Array.from(users.map(BigInt)), dims: [2] },
    items: { data: BigInt64Array.from(items.flat().map(BigInt)), dims: [2, 3] },
    ...bb.fixedFeeds(),
  };
  const lossGraph = await compileForward(params, (b) => {
    const spec = bb.buildLoss(b);
    return { loss: spec.loss, ...spec.terms };
  });
  const got = await lossGraph.run(values, feeds);
  const want = oracle(ds, values, settings);
  const expected = want.lossOf(users, items);
  assert.ok(expected.hinge > 0 && expected.cov !== 0, 'the input exercises every term');
  for (const k of ['hinge', 'feature', 'cov', 'loss'] as const) {
    const x = (got[k].data as Float32Array)[0];
    assert.ok(Math.abs(x - expected[k]) <= 1e-5 * Math.max(1, Math.abs(expected[k])), `${k}: graph ${x}, plain JS ${expected[k]}`);
  }
  const scoreGraph = await compileForward(params, (b) => ({ scores: bb.buildUserScores!(b, b.graph.input('eval.users', 'int64', ['batch'])) }));
  const scores = (await scoreGraph.run(values, { 'eval.users': { data: BigInt64Array.from([1n, 0n]), dims: [2] }, ...bb.fixedFeeds() })).scores.data as Float32Array;
  [1, 0].forEach((u, r) => {
    for (let i = 0; i < ds.nItems; i++) assert.ok(Math.abs(scores[r * ds.nItems + i] + want.distance(u, i)) < 1e-5, `score(${u}, ${i})`);
  });
  await lossGraph.release();
  await scoreGraph.release();
});

test('a train step stays finite when a projection layer outputs all-zero ReLU rows', async () => {
  const ds = tinyDataset();
  const bb = maml.create(ds, resolveBackboneConfig(maml, { embedding_dim: D, negatives: 2 }), null);
  const params = bb.model.namedParameters();
  const values = initialValues(params, new Rng(3));
  // ReLU(−100 + …) = 0 for every item: the last layer then outputs its (zero) bias, a zero row whose
  // norm has no finite derivative at 0 — the graph must not turn that into NaN gradients.
  values.get('projection.layers.2.bias')!.fill(-100);
  const step = await TrainStep.create(compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer), values, bb.optimizer);
  step.setFixedInputs(bb.fixedFeeds());
  await step.run(bb.batchFeeds(Int32Array.from([0, 1]), new Rng(5)));
  for (const [name, v] of step.values) assert.ok(v.every(Number.isFinite), `${name} is finite after the step`);
});

// ---- training on the synthetic default ----

const ds = makeDataset(generateSynthetic({ users: 600, items: 400, categories: 8, density: 0.02, imageDim: 64, textDim: 32, seed: 3 }));
// At lr ≤ 0.01 the jointly trained attention over-fits this small set (MAML lands near popularity
// there); at 0.03 it reliably beats it.
const settings: Record<string, ConfigValue> = { embedding_dim: 32, lr: 0.03 };
const opts = { ...TRAIN_DEFAULTS, epochs: 12, quiet: true, worker: false };

/** Trains into a temporary directory; returns the metrics, the final parameters and the initial ones. */
async function trainMaml(overrides: Record<string, ConfigValue>, sgfd: SgfdConfig | null, epochs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-maml-'));
  try {
    const bb = maml.create(ds, resolveBackboneConfig(maml, { ...settings, ...overrides }), sgfd);
    const initial = initialValues(bb.model.namedParameters(), new Rng(opts.seed));
    const metrics = (await train(ds, bb, dir, { ...opts, epochs }))!;
    const final = readCheckpoint(join(dir, RUN_FILES.checkpoint)).tensors;
    return { metrics, initial, final: (name: string) => final.get(name)!.data as Float32Array };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

function maxRowNorm(a: Float32Array, d: number): number {
  let max = 0;
  for (let r = 0; r < a.length / d; r++) max = Math.max(max, Math.hypot(...a.subarray(r * d, (r + 1) * d)));
  return max;
}

for (const [name, sgfd] of [['vanilla', null], ['SGFD (reference profile)', sgfdConfig('reference', { latentDim: 32 })]] as const) {
  test(`MAML ${name}: embedding rows stay in the unit ball; it learns (validation Recall@20 above random and popularity)`, async () => {
    const { metrics, final } = await trainMaml({}, sgfd, opts.epochs);
    for (const table of ['userEmbedding', 'itemEmbedding']) assert.ok(maxRowNorm(final(table), 32) <= 1 + 1e-6, `${table} rows ≤ 1`);
    const random = 20 / ds.nItems;
    const pop = await popularityRecall(ds);
    const recall = metrics.valid['recall@20'];
    assert.ok(recall > 3 * random, `recall@20 ${recall} vs random ${random}`);
    assert.ok(recall > 1.25 * pop, `recall@20 ${recall} vs popularity ${pop}`);
  });
}

test('train_only_embeddings (the reference behaviour) leaves every SGFD, projection and attention weight bit-identical', async () => {
  const { initial, final } = await trainMaml({ train_only_embeddings: true }, sgfdConfig('reference', { latentDim: 32 }), 2);
  const frozen = [...initial.keys()].filter((k) => k !== 'userEmbedding' && k !== 'itemEmbedding');
  assert.ok(frozen.some((k) => k.startsWith('extractor.sgfd.student')) && frozen.some((k) => k.startsWith('attention.')), 'SGFD and attention weights are checked');
  for (const k of frozen) assert.deepEqual(final(k), initial.get(k), `${k} unchanged`);
  for (const k of ['userEmbedding', 'itemEmbedding']) assert.notDeepEqual(final(k), initial.get(k), `${k} trained`);
  const withAll = maml.create(ds, resolveBackboneConfig(maml, settings), null).model.parameters();
  assert.ok(withAll.every((p) => p.trainable), 'by default every parameter trains');
});

test('SGFD reference profile: the student and the joint teacher run once per distinct batch item, with the same loss and gradients as per slot', async () => {
  const cfg = resolveBackboneConfig(maml, { embedding_dim: 16, negatives: 3 });
  await assertPerDistinctMatchesPerSlot(maml, ds, cfg, sgfdConfig('reference', { latentDim: 16 }), Int32Array.from({ length: 64 }, (_, i) => i * 7));
  // distinct_items: the projection and the attention's item side once per distinct item, too.
  await assertPerDistinctMatchesPerSlot(maml, ds, { ...cfg, distinct_items: true }, null, Int32Array.from({ length: 64 }, (_, i) => i * 7));
});

test('distinct_items: on by default (session 24); false gives the per-slot step that earlier runs trained with', () => {
  const cfg = resolveBackboneConfig(maml, { embedding_dim: 16 });
  assert.equal(cfg.distinct_items, true);
  const perDistinct = (c: Record<string, ConfigValue>) => (maml.create(ds, c, null) as unknown as { perDistinctRows: boolean }).perDistinctRows;
  assert.equal(perDistinct(cfg), true);
  assert.equal(perDistinct(resolveBackboneConfig(maml, { embedding_dim: 16, distinct_items: 'false' })), false);
});
