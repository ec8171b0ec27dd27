// BM3's loss on a tiny input against an independent plain-JS computation of every term.
import test from 'node:test';
import assert from 'node:assert/strict';
import { U, I, D, edges, image, tinyDataset } from './tiny-graph.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { Rng } from '../../src/data/rng.ts';

const d = 2;
const ds = tinyDataset;

type M = number[][];
const mat = (a: Float32Array, r: number, c: number): M => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, i * c + c)));
const lin = (x: M, w: M, b: number[]) => x.map((row) => b.map((bj, j) => row.reduce((s, v, k) => s + v * w[k][j], bj)));
const cos = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0) / Math.max(Math.hypot(...a) * Math.hypot(...b), 1e-8);
const oneMinusMeanCos = (a: M, b: M) => 1 - a.reduce((s, r, k) => s + cos(r, b[k]), 0) / a.length;
const fro = (x: M) => Math.sqrt(x.flat().reduce((s, v) => s + v * v, 0));

test('BM3 loss terms equal a plain-JS computation (1 layer, dropout 0)', async () => {
  const spec = backboneSpec('bm3');
  const cfg = resolveBackboneConfig(spec, { embedding_dim: d, n_layers: 1, dropout: 0, reg_weight: 0.3, cl_weight: 2 });
  const bb = spec.create(ds, cfg, null);
  const params = bb.model.namedParameters();
  const v = initialValues(params, new Rng(11));
  for (const a of v.values()) a.forEach((_, k) => (a[k] += 0.1 * ((k % 3) - 1))); // non-zero biases too
  const fwd = await compileForward(params, (b) => {
    const { loss, terms } = bb.buildLoss(b);
    return { loss, ...Object.fromEntries(Object.entries(terms!).map(([k, x]) => [`t.${k}`, x])) };
  });
  const batch = bb.batchFeeds(Int32Array.from([0, 3]), new Rng(1)); // rows (0,0) and (1,2)
  const out = await fwd.run(v, { ...batch, ...bb.fixedFeeds() });
  const got = (k: string) => (out[k].data as Float32Array)[0];

  // --- the same computation by hand ---
  const P = (n: string) => v.get(n)!;
  const Ue = mat(P('userEmbedding'), U, d);
  const Ie = mat(P('itemEmbedding'), I, d);
  const degU = [2, 2];
  const degI = [1, 2, 1];
  const prop = (x: M): M => { // one D^-1/2 A D^-1/2 step over [users; items]
    const out: M = x.map(() => Array(d).fill(0));
    for (const [u, i] of edges) {
      const w = 1 / Math.sqrt((degU[u] + 1e-7) * (degI[i] + 1e-7));
      for (let k = 0; k < d; k++) { out[U + i][k] += w * x[u][k]; out[u][k] += w * x[U + i][k]; }
    }
    return out;
  };
  const ego = [...Ue, ...Ie];
  const h = prop(ego).map((r, n) => r.map((x, k) => (x + ego[n][k]) / 2));
  const uOn = h.slice(0, U);
  const iOn = h.slice(U).map((r, i) => r.map((x, k) => x + Ie[i][k]));
  const W = mat(P('predictor.weight'), d, d);
  const bias = Array.from(P('predictor.bias'));
  const pred = (x: M) => lin(x, W, bias);
  const [bu, bi] = [[uOn[0], uOn[1]], [iOn[0], iOn[2]]];
  const rec = oneMinusMeanCos(pred(bu), bi) + oneMinusMeanCos(pred(bi), bu);
  const f = lin(mat(image, I, D), mat(P('extractor.vanilla.0.weight'), D, d), Array.from(P('extractor.vanilla.0.bias')));
  const fb = [f[0], f[2]];
  const cl = 2 * (oneMinusMeanCos(pred(fb), bi) + oneMinusMeanCos(pred(fb), fb));
  const reg = (0.3 * (fro(uOn) + fro(iOn))) / I;
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(got('t.rec'), rec, 'rec');
  close(got('t.cl'), cl, 'cl');
  close(got('t.reg'), reg, 'reg');
  close(got('loss'), rec + cl + reg, 'loss');
  assert.ok(rec > 0.05 && cl > 0.05, 'non-trivial terms');
});
