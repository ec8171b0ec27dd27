// GRCN's loss on a tiny input against an independent plain-JS computation: routing, edge attention,
// confidence-weighted ID propagation, BPR and the L2 term.
import test from 'node:test';
import assert from 'node:assert/strict';
import { U, I, D, edges, image, tinyDataset } from './tiny-graph.ts';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { initialValues } from '../../src/nn/index.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { Rng } from '../../src/data/rng.ts';

const d = 2;
const N = U + I;
const ds = tinyDataset;

type V = number[];
const rows = (a: Float32Array, r: number, c: number): V[] => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, i * c + c)));
const dot = (a: V, b: V) => a.reduce((s, x, k) => s + x * b[k], 0);
const l2 = (a: V) => { const n = Math.max(Math.hypot(...a), 1e-12); return a.map((x) => x / n); };
const add = (a: V, b: V) => a.map((x, k) => x + b[k]);
const scale = (a: V, s: number) => a.map((x) => x * s);
const softmax = (xs: number[]) => { const m = Math.max(...xs); const e = xs.map((x) => Math.exp(x - m)); const s = e.reduce((p, q) => p + q); return e.map((x) => x / s); };

for (const routing of ['users', 'reference-noop']) {
  test(`GRCN loss equals a plain-JS computation (routing ${routing})`, async () => {
    const spec = backboneSpec('grcn');
    const bb = spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: d, routing_iterations: 2, routing, weight_decay: 0.01 }), null);
    const params = bb.model.namedParameters();
    const v = initialValues(params, new Rng(5));
    const fwd = await compileForward(params, (b) => {
      const { loss, terms } = bb.buildLoss(b);
      return { loss, rec: terms!.rec, reg: terms!.reg };
    });
    const i64 = (xs: number[]) => ({ data: BigInt64Array.from(xs.map(BigInt)), dims: [xs.length] });
    const [bu, bp, bn] = [[0, 1], [0, 2], [2, 0]];
    const out = await fwd.run(v, { ...bb.fixedFeeds(), users: i64(bu), pos: i64(bp.map((i) => U + i)), neg: i64(bn.map((i) => U + i)) });
    const got = (k: string) => (out[k].data as Float32Array)[0];

    // --- by hand ---
    const P = (n: string) => v.get(n)!;
    const W = rows(P('extractor.vanilla.0.weight'), D, d);
    const bias = Array.from(P('extractor.vanilla.0.bias'));
    const f = rows(image, I, D).map((x) => l2(bias.map((bj, j) => { const y = x.reduce((s, xi, k) => s + xi * W[k][j], bj); return y > 0 ? y : 0.01 * y; })));
    const P0 = rows(P('preferences.0'), U, d);
    let p = P0.map(l2);
    if (routing === 'users') {
      for (let t = 0; t < 2; t++) {
        p = p.map((pu, u) => {
          const items = edges.filter((e) => e[0] === u).map((e) => e[1]);
          const a = softmax(items.map((i) => dot(pu, f[i])));
          return l2(items.reduce((acc, i, k) => add(acc, scale(f[i], a[k])), pu));
        });
      }
    }
    const x = [...p, ...f].map(l2);
    const directed = edges.flatMap(([u, i]) => [[u, U + i], [U + i, u]]); // [src, dst]
    const alpha = directed.map(([s, t]) => {
      const into = directed.filter((e) => e[1] === t);
      return softmax(into.map(([s2]) => dot(x[t], x[s2])))[into.findIndex((e) => e[0] === s)];
    });
    const content = x.map((xt, t) => directed.reduce((acc, [s, tt], e) => (tt === t ? add(acc, scale(x[s], alpha[e])) : acc), xt));
    const conf = rows(P('confidence'), N, 1);
    const w = directed.map(([s], e) => Math.max(alpha[e] * conf[s][0], 0));
    const X = rows(P('idEmbedding'), N, d).map(l2);
    const spread = (h: V[]) => h.map((_, t) => directed.reduce((acc, [s, tt], e) => (tt === t ? add(acc, scale(h[s], w[e])) : acc), Array(d).fill(0)));
    const h1 = spread(X);
    const h2 = spread(h1);
    const rep = X.map((xr, n) => [...add(add(xr, h1[n]), h2[n]), ...content[n]]);
    const rec = -bu.reduce((s, u, k) => {
      const z = dot(rep[u], rep[U + bp[k]]) - dot(rep[u], rep[U + bn[k]]);
      return s + Math.log(1 / (1 + Math.exp(-z)));
    }, 0) / 2;
    const raw = rows(P('idEmbedding'), N, d);
    const meanSq = (rs: V[]) => rs.reduce((s, r) => s + dot(r, r), 0) / rs.length;
    const reg = 0.01 * (meanSq(bu.map((u) => raw[u])) + meanSq(bp.map((i) => raw[U + i])) + meanSq(bn.map((i) => raw[U + i])) + meanSq(bu.map((u) => P0[u])));
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 2e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
    close(got('rec'), rec, 'BPR');
    close(got('reg'), reg, 'L2');
    close(got('loss'), rec + reg, 'loss');
  });
}
