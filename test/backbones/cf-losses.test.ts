// The CF baselines' losses (mf-bpr, lightgcn, ngcf, dgcf, neumf, cml) on a tiny input — 3 users ×
// 4 items, explicit parameter values — against an independent plain-JS (float64) computation, plus
// their scores (dot representations / per-user score graphs) and CML's unit-ball clip after a step.
// DGCF's independence term is checked against the plain-JS distance correlation of dcor-reference.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { backboneSpec, resolveBackboneConfig, type Backbone } from '../../src/backbones/index.ts';
import { InitializerBinder } from '../../src/nn/index.ts';
import { TrainStep, type BatchTensor } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import { Rng } from '../../src/data/rng.ts';
import { factorIndependenceReference } from './dcor-reference.ts';

const [U, I] = [3, 4];
const edges: [number, number][] = [[0, 0], [0, 1], [1, 1], [1, 2], [2, 0], [2, 3]];
const ds = makeDataset({
  nUsers: U, nItems: I, labels: null, nLabels: 0, labelNames: null,
  interactions: { user: Int32Array.from(edges, (e) => e[0]), item: Int32Array.from(edges, (e) => e[1]), split: new Int8Array(edges.length), timestamp: null },
  modalities: [],
  meta: { name: 'tiny', source: 'test', created: null, synthetic: true, notes: {} },
});

// ---- plain-JS helpers (float64) ----
type M = number[][];
const mat = (a: Float32Array, cols: number): M => Array.from({ length: a.length / cols }, (_, r) => Array.from(a.subarray(r * cols, r * cols + cols)));
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k], 0);
const lin = (x: M, w: M, b: number[]) => x.map((row) => b.map((bj, j) => row.reduce((s, v, k) => s + v * w[k][j], bj)));
const normalize = (a: number[]) => { const n = Math.max(Math.hypot(...a), 1e-12); return a.map((x) => x / n); };
const logSig = (x: number) => -Math.log1p(Math.exp(-x));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sq = (a: number[]) => dot(a, a);
const ids = (t: BatchTensor) => Array.from(t.data as BigInt64Array, Number);
/** Dense L = D^-1/2 A D^-1/2 over nodes [users; items] (degree + 1e-7, no self-loops). */
function denseL(): M {
  const N = U + I;
  const A: M = Array.from({ length: N }, () => Array(N).fill(0));
  for (const [u, i] of edges) { A[u][U + i] = 1; A[U + i][u] = 1; }
  const deg = A.map((r) => r.reduce((s, x) => s + x, 0));
  return A.map((r, a) => r.map((x, b) => x / Math.sqrt((deg[a] + 1e-7) * (deg[b] + 1e-7))));
}
const mm = (a: M, b: M): M => a.map((r) => b[0].map((_, j) => r.reduce((s, x, k) => s + x * b[k][j], 0)));
const bpr = (users: M, items: M, f: Record<string, BatchTensor>) => {
  const [us, ps, ns] = [ids(f.users), ids(f.pos), ids(f.neg)];
  return mean(us.map((u, b) => -logSig(dot(users[u], items[ps[b]]) - dot(users[u], items[ns[b]]))));
};
/** Σ over the batch's user/pos/neg rows of ‖row‖², averaged over the batch and halved. */
const l2 = (users: M, items: M, f: Record<string, BatchTensor>) => {
  const [us, ps, ns] = [ids(f.users), ids(f.pos), ids(f.neg)];
  return (mean(us.map((u) => sq(users[u]))) + mean(ps.map((i) => sq(items[i]))) + mean(ns.map((i) => sq(items[i])))) / 2;
};

/** Builds `name` with `settings`, gives every parameter explicit values (× `scale`) and runs one train step on all 6 rows. */
async function oneStep(name: string, settings: Record<string, number | boolean>, scale = 1) {
  const spec = backboneSpec(name);
  const bb = spec.create(ds, resolveBackboneConfig(spec, settings), null);
  const params = bb.model.namedParameters();
  const values = new Map<string, Float32Array>();
  [...params.keys()].sort().forEach((n, salt) => {
    values.set(n, Float32Array.from({ length: params.get(n)!.size }, (_, k) => (scale * (((k * 7 + salt * 5) % 13) - 6)) / 8));
  });
  const P = (n: string) => { const v = values.get(n); assert.ok(v, `parameter ${n}`); return v.slice(); };
  const feeds = bb.batchFeeds(Int32Array.from(edges, (_, r) => r), new Rng(9));
  const compiled = compileTrainStep(params, (b) => bb.buildLoss(b), bb.optimizer);
  const step = await TrainStep.create(compiled, new Map([...values].map(([k, v]) => [k, v.slice()])), bb.optimizer, { threads: 1 });
  step.setFixedInputs(bb.fixedFeeds());
  const terms = await step.run(feeds);
  await step.release();
  return { bb, params, values, P, feeds, loss: terms.loss, terms, compiled, after: step.values };
}

function near(got: number, want: number, what: string, tol = 1e-4) {
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`);
}

/** The dot-product models' scoring representations against the reference's [users; items]. */
async function checkRepresentations(bb: Backbone, params: Map<string, unknown>, values: Map<string, Float32Array>, want: M) {
  const fwd = await compileForward(params as never, (b) => bb.buildScoring!(b));
  const out = await fwd.run(values, bb.fixedFeeds());
  const got = [...mat(out.users.data as Float32Array, want[0].length), ...mat(out.items.data as Float32Array, want[0].length)];
  got.forEach((r, n) => r.forEach((x, k) => near(x, want[n][k], `representation [${n}][${k}]`)));
  await fwd.release();
}

/** Scores [U, I] of a per-user score model for every user. */
async function userScores(bb: Backbone, values: Map<string, Float32Array>): Promise<M> {
  const g = new G.Graph('scores');
  const users = g.input('users', 'int64', ['batch']);
  g.output(bb.buildUserScores!(new InitializerBinder(g, values), users), 'scores');
  const session = await createSession(G.serialize(g), { threads: 1 });
  const out = await session.run({ users: tensor(BigInt64Array.from([0n, 1n, 2n]), [3]) });
  await session.release();
  return mat(out.scores.data as Float32Array, I);
}

test('mf-bpr: BPR + L2 on the batch rows', async () => {
  const { P, feeds, loss, bb, params, values } = await oneStep('mf-bpr', { embedding_dim: 2, reg_weight: 0.3 });
  const [Ue, Ie] = [mat(P('userEmbedding'), 2), mat(P('itemEmbedding'), 2)];
  near(loss, bpr(Ue, Ie, feeds) + 0.3 * l2(Ue, Ie, feeds), 'loss');
  await checkRepresentations(bb, params, values, [...Ue, ...Ie]);
});

test('lightgcn: mean of 2 propagation layers, BPR + L2 on ego rows', async () => {
  const { P, feeds, loss, bb, params, values } = await oneStep('lightgcn', { embedding_dim: 2, n_layers: 2, reg_weight: 0.3 });
  const [Ue, Ie] = [mat(P('userEmbedding'), 2), mat(P('itemEmbedding'), 2)];
  const L = denseL();
  const e0 = [...Ue, ...Ie];
  const e1 = mm(L, e0);
  const e2 = mm(L, e1);
  const h = e0.map((r, n) => r.map((x, k) => (x + e1[n][k] + e2[n][k]) / 3));
  near(loss, bpr(h.slice(0, U), h.slice(U), feeds) + 0.3 * l2(Ue, Ie, feeds), 'loss');
  await checkRepresentations(bb, params, values, h);
});

/** NGCF's reference: (L+I)E·W1 + b1 + (LE ⊙ E)·W2 + b2, LeakyReLU(0.2), dropout, concat of normalised layers. */
function ngcfReference(P: (n: string) => Float32Array, layers: number, masks: Float32Array[] | null, p: number): M {
  const L = denseL();
  let e = [...mat(P('userEmbedding'), 2), ...mat(P('itemEmbedding'), 2)];
  const out = e.map((r) => r.slice());
  for (let l = 0; l < layers; l++) {
    const w = (n: string) => [mat(P(`layers.${l}.${n}.weight`), 2), Array.from(P(`layers.${l}.${n}.bias`))] as const;
    const side = mm(L, e);
    const a = lin(side.map((r, n) => r.map((x, k) => x + e[n][k])), ...w('sum'));
    const c = lin(side.map((r, n) => r.map((x, k) => x * e[n][k])), ...w('interaction'));
    e = a.map((r, n) => r.map((x, k) => { const y = x + c[n][k]; return y > 0 ? y : 0.2 * y; }));
    if (masks) e = e.map((r, n) => r.map((x, k) => (x * masks[l][n * 2 + k]) / (1 - p)));
    e.forEach((r, n) => out[n].push(...normalize(r)));
  }
  return out;
}

test('ngcf: sum + bi-interaction messages, message dropout from fed masks, concatenated layers', async () => {
  const { P, feeds, loss, bb, params, values } = await oneStep('ngcf', { embedding_dim: 2, n_layers: 2, message_dropout: 0.25, reg_weight: 0.3 });
  const masks = [0, 1].map((l) => feeds[`mask.layer.${l}`].data as Float32Array);
  assert.ok(masks.every((m) => m.length === (U + I) * 2 && m.some((x) => x === 0) && m.some((x) => x === 1)), 'keep-masks of 0/1 per node and dim');
  const h = ngcfReference(P, 2, masks, 0.25);
  const [users, items] = [h.slice(0, U), h.slice(U)];
  near(loss, bpr(users, items, feeds) + 0.3 * l2(users, items, feeds), 'loss');
  await checkRepresentations(bb, params, values, ngcfReference(P, 2, null, 0));
});

/** DGCF's reference on dense per-factor matrices: K factors of d/K, routing iterations, mean of layers 0..1. */
function dgcfReference(P: (n: string) => Float32Array, d: number, K: number, iterations: number): M {
  const N = U + I;
  const c = d / K;
  const e = [...mat(P('userEmbedding'), d), ...mat(P('itemEmbedding'), d)];
  const chunk = (x: number[], k: number) => x.slice(k * c, k * c + c);
  const A: boolean[][] = Array.from({ length: N }, () => Array(N).fill(false));
  for (const [u, i] of edges) { A[u][U + i] = true; A[U + i][u] = true; }
  const S = Array.from({ length: K }, () => Array.from({ length: N }, () => Array(N).fill(0)));
  let out: M = [];
  for (let t = 0; t < iterations; t++) {
    const W = S.map(() => Array.from({ length: N }, () => Array(N).fill(0)));
    for (let h = 0; h < N; h++) for (let s = 0; s < N; s++) {
      if (!A[h][s]) continue;
      const z = S.reduce((acc, Sk) => acc + Math.exp(Sk[h][s]), 0);
      S.forEach((Sk, k) => { W[k][h][s] = Math.exp(Sk[h][s]) / z; });
    }
    const D = W.map((Wk) => Wk.map((r) => r.reduce((a, x) => a + x, 0)));
    const factorOut = W.map((Wk, k) => Wk.map((r, h) => {
      const acc = Array(c).fill(0);
      r.forEach((w, s) => { if (A[h][s]) chunk(e[s], k).forEach((x, j) => { acc[j] += (w / Math.sqrt(D[k][h] * D[k][s])) * x; }); });
      return acc;
    }));
    out = Array.from({ length: N }, (_, n) => factorOut.flatMap((f) => f[n]));
    for (let k = 0; k < K; k++) for (let h = 0; h < N; h++) for (let s = 0; s < N; s++) {
      if (A[h][s]) S[k][h][s] += dot(normalize(factorOut[k][h]), normalize(chunk(e[s], k)).map(Math.tanh));
    }
  }
  return e.map((r, n) => r.map((x, k) => (x + out[n][k]) / 2));
}

test('dgcf: 2 factors, 3 routing iterations, per-factor normalised propagation (cor_weight 0: no independence term)', async () => {
  const { P, feeds, loss, terms, compiled, bb, params, values } = await oneStep('dgcf', { embedding_dim: 4, n_factors: 2, n_layers: 1, n_iterations: 3, reg_weight: 0.3, cor_weight: 0 });
  const h = dgcfReference(P, 4, 2, 3);
  const [Ue, Ie] = [mat(P('userEmbedding'), 4), mat(P('itemEmbedding'), 4)];
  near(loss, bpr(h.slice(0, U), h.slice(U), feeds) + 0.3 * l2(Ue, Ie, feeds), 'loss');
  assert.deepEqual(Object.keys(terms).sort(), ['loss', 'loss.bpr', 'loss.reg'], 'no independence term');
  assert.deepEqual(compiled.batchInputs.map((v) => v.name).sort(), ['neg', 'pos', 'users'], 'no rows declared for it');
  assert.ok(!('cor_nodes' in feeds), 'and none fed');
  await checkRepresentations(bb, params, values, h);
});

test('dgcf: independence = cor_weight × mean dCor over the 3 factor pairs of the batch\'s distinct final user and item rows', async () => {
  const [d, K] = [6, 3];
  const { P, feeds, loss, terms } = await oneStep('dgcf', { embedding_dim: d, n_factors: K, n_iterations: 2, reg_weight: 0.3, cor_weight: 0.5 });
  const distinct = (...lists: number[][]) => [...new Set(lists.flat())].sort((a, b) => a - b);
  const nodes = ids(feeds.cor_nodes);
  const wantNodes = [...distinct(ids(feeds.users)), ...distinct(ids(feeds.pos), ids(feeds.neg)).map((i) => U + i)];
  assert.deepEqual(nodes, wantNodes, 'every distinct batch user, then every distinct positive and negative item (under the cor_rows cap)');
  const h = dgcfReference(P, d, K, 2);
  const want = factorIndependenceReference(nodes.map((n) => h[n]), K);
  assert.ok(want > 0.05 && want < 0.95, `a non-trivial mean dCor to compare (${want})`);
  near(terms['loss.independence'] / 0.5, want, 'mean dCor', 1e-5);
  const [Ue, Ie] = [mat(P('userEmbedding'), d), mat(P('itemEmbedding'), d)];
  near(loss, bpr(h.slice(0, U), h.slice(U), feeds) + 0.3 * l2(Ue, Ie, feeds) + 0.5 * want, 'loss = BPR + reg + independence');
  near(terms['loss.bpr'] + terms['loss.reg'] + terms['loss.independence'], loss, 'the terms add up to the loss');
});

test('neumf: GMF + MLP towers, fused predict layer, log loss over 1 positive + 2 negatives; sliced user scores', async () => {
  const d = 4;
  const { P, feeds, loss, bb, values } = await oneStep('neumf', { embedding_dim: d, negatives: 2 });
  const t = (n: string, cols: number) => mat(P(n), cols);
  const [gu, gi, mu, mi] = [t('gmf.userEmbedding', d), t('gmf.itemEmbedding', d), t('mlp.userEmbedding', d), t('mlp.itemEmbedding', d)];
  const [w1, b1, w2, b2] = [t('hidden1.weight', d), Array.from(P('hidden1.bias')), t('hidden2.weight', d / 2), Array.from(P('hidden2.bias'))];
  const [h, hb] = [Array.from(P('predict.weight')), P('predict.bias')[0]];
  const relu = (r: number[]) => r.map((x) => Math.max(x, 0));
  const logit = (u: number, i: number) => {
    const tower = relu(lin(lin([[...mu[u], ...mi[i]]], w1, b1).map(relu), w2, b2)[0]);
    return dot(gu[u].map((x, k) => x * gi[i][k]), h.slice(0, d)) + dot(tower, h.slice(d)) + hb;
  };
  const [us, ps, ns] = [ids(feeds.users), ids(feeds.pos), ids(feeds.neg)];
  assert.deepEqual(feeds.neg.dims, [edges.length, 2]);
  const terms = us.flatMap((u, b) => [logSig(logit(u, ps[b])), logSig(-logit(u, ns[2 * b])), logSig(-logit(u, ns[2 * b + 1]))]);
  near(loss, -mean(terms), 'loss');
  const scores = await userScores(bb, values);
  scores.forEach((r, u) => r.forEach((s, i) => near(s, logit(u, i), `score(${u}, ${i})`)));
});

test('cml: weighted hinge to the closest of 3 negatives; rows clipped to the unit ball after the step; score = −distance²', async () => {
  const d = 2;
  const { P, feeds, loss, bb, values, after } = await oneStep('cml', { embedding_dim: d, negatives: 3, margin: 0.5, lr: 0.05 }, 2);
  const [Ue, Ie] = [mat(P('userEmbedding'), d), mat(P('itemEmbedding'), d)];
  const dist = (u: number, i: number) => sq(Ue[u].map((x, k) => x - Ie[i][k]));
  const [us, ps, ns] = [ids(feeds.users), ids(feeds.pos), ids(feeds.neg)];
  const perRow = us.map((u, b) => {
    const dNeg = [0, 1, 2].map((j) => dist(u, ns[3 * b + j]));
    const hinge = Math.max(0, dist(u, ps[b]) - Math.min(...dNeg) + 0.5);
    const violating = dNeg.filter((x) => dist(u, ps[b]) - x + 0.5 > 0).length;
    return Math.log(1 + (I * violating) / 3) * hinge;
  });
  near(loss, mean(perRow), 'loss');
  assert.ok(Ue.some((r) => Math.hypot(...r) > 1.05), 'some initial row lies outside the unit ball');
  for (const name of ['userEmbedding', 'itemEmbedding']) {
    mat(after.get(name)!, d).forEach((r, n) => assert.ok(Math.hypot(...r) <= 1 + 1e-5, `${name}[${n}] has norm ${Math.hypot(...r)} after the step`));
  }
  const scores = await userScores(bb, values);
  scores.forEach((r, u) => r.forEach((s, i) => near(s, -dist(u, i), `score(${u}, ${i})`)));
});
