// SGFD losses on tiny inputs: hand-computed cross-entropies, the whole objective against a plain-JS
// re-derivation for both profiles, and where gradients flow (or not).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as G from '../../src/graph/index.ts';
import { initialValues, type Binder } from '../../src/nn/index.ts';
import { compileForward } from '../../src/nn/forward-graph.ts';
import { Sgfd } from '../../src/sgfd/model.ts';
import { sgfdLoss, maskedCrossEntropy, jointObjective } from '../../src/sgfd/losses.ts';
import { sgfdConfig, teacherWidths, type Profile } from '../../src/sgfd/config.ts';
import { Rng } from '../../src/data/rng.ts';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('teacher widths follow δ with integer division and end at d', () => {
  assert.deepEqual(teacherWidths(4096, 128, 4), [4096, 1024, 256, 128]);
  assert.deepEqual(teacherWidths(384, 128, 4), [384, 128]);
  assert.deepEqual(teacherWidths(384, 128, 2), [384, 192, 128]);
  assert.deepEqual(teacherWidths(1000, 128, 2.5), [1000, 400, 160, 128]);
});

test('masked cross-entropy: hand-computed values, on logits and on probabilities', async () => {
  const g = new G.Graph();
  const z = g.input('z', 'float32', [3, 2]);
  const y = g.input('y', 'int64', [3]);
  const m = g.input('m', 'float32', [3]);
  g.output(maskedCrossEntropy(z, y, m, false), 'logits');
  g.output(maskedCrossEntropy(z, y, m, true), 'probs');
  const { createSession, tensor } = await import('../../src/runtime/session.ts');
  const s = await createSession(G.serialize(g));
  // rows: logits [ln 3, 0] label 0; [0, 0] label 1; a masked row that must not count.
  const r = await s.run({
    z: tensor(Float32Array.from([Math.log(3), 0, 0, 0, 50, -50]), [3, 2]),
    y: tensor(BigInt64Array.from([0n, 1n, 1n]), [3]),
    m: tensor(Float32Array.from([1, 1, 0]), [3]),
  });
  // −ln .75 = 0.287682, −ln .5 = 0.693147 → mean 0.490415
  close((r.logits.data as Float32Array)[0], (0.287682 + 0.693147) / 2);
  // double softmax: softmax([.75, .25]) = [0.622459, 0.377541] → 0.474077; [.5, .5] → ln 2
  close((r.probs.data as Float32Array)[0], (0.474077 + 0.693147) / 2);
});

// ---- plain-JS re-derivation of the SGFD objective (one row at a time) ----
type Vec = number[];
const linear = (x: Vec, w: Float32Array, b: Float32Array, out: number) => Array.from({ length: out }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * out + j], b[j]));
const leaky = (x: Vec) => x.map((v) => (v > 0 ? v : 0.01 * v));
const l2 = (x: Vec) => { const n = Math.max(Math.hypot(...x), 1e-12); return x.map((v) => v / n); };
const softmax = (x: Vec) => { const m = Math.max(...x); const e = x.map((v) => Math.exp(v - m)); const s = e.reduce((a, c) => a + c); return e.map((v) => v / s); };
const ce = (z: Vec, y: number, onProbs: boolean) => -Math.log(softmax(onProbs ? softmax(z) : z)[y]);

function jsLoss(profile: Profile, v: Map<string, Float32Array>, rows: Vec[][], labels: number[], dims: number[], C: number, d: number) {
  const cfg = sgfdConfig(profile, { latentDim: d, delta: 2, tau: 2, kdWeight: 0.3, ceWeight: 0.7 });
  const P = (n: string) => v.get(n)!;
  const B = labels.length;
  const terms = { tce: 0, fce: 0, ld: 0, fd: 0 };
  const M = dims.length;
  const red = (xs: number[]) => (cfg.modalityReduction === 'mean' ? xs.reduce((a, c) => a + c) / xs.length : xs.reduce((a, c) => a + c));
  const tceM = Array(M).fill(0), ldM = Array(M).fill(0), fdM = Array(M).fill(0);
  for (let r = 0; r < B; r++) {
    const tf: Vec[] = [];
    for (let m = 0; m < M; m++) {
      const widths = teacherWidths(dims[m], d, cfg.delta);
      let h = rows[m][r];
      for (let k = 0; k + 1 < widths.length; k++) {
        h = linear(h, P(`s.teacher.extractors.${m}.layers.${k}.weight`), P(`s.teacher.extractors.${m}.layers.${k}.bias`), widths[k + 1]);
        if (cfg.teacherActivation && k + 2 < widths.length) h = leaky(h);
      }
      const ft = l2(leaky(h));
      const fs = l2(leaky(linear(rows[m][r], P(`s.student.extractors.${m}.weight`), P(`s.student.extractors.${m}.bias`), d)));
      const cls = (f: Vec) => linear(f, P(`s.classifiers.${m}.weight`), P(`s.classifiers.${m}.bias`), C);
      const zt = cls(ft);
      const zs = cls(fs);
      tceM[m] += ce(zt, labels[r], cfg.ceOnProbs) / B;
      const pt = softmax(zt.map((x) => x / cfg.tau));
      const ps = softmax(zs.map((x) => x / cfg.tau));
      ldM[m] += cfg.ldDistance === 'l1-mean' ? pt.reduce((s, x, j) => s + Math.abs(x - ps[j]), 0) / (B * C) : pt.reduce((s, x, j) => s + (x - ps[j]) ** 2, 0) / B;
      fdM[m] += cfg.fdDistance === 'mse' ? ft.reduce((s, x, j) => s + (x - fs[j]) ** 2, 0) / (B * d) : ft.reduce((s, x, j) => s + (x - fs[j]) ** 2, 0) / B;
      tf.push(ft);
    }
    const fusedIn = tf.flat();
    let u = linear(fusedIn, P('s.teacher.fusion.weight'), P('s.teacher.fusion.bias'), d);
    u = cfg.fusionActivation === 'relu' ? u.map((x) => Math.max(x, 0)) : leaky(u);
    terms.fce += ce(linear(u, P('s.teacher.fusedClassifier.weight'), P('s.teacher.fusedClassifier.bias'), C), labels[r], cfg.ceOnProbs) / B;
  }
  terms.tce = tceM.reduce((a, c) => a + c) / M;
  terms.ld = red(ldM);
  terms.fd = red(fdM);
  return { ...terms, total: 0.3 * (terms.ld + terms.fd) + 0.7 * (terms.tce + terms.fce) };
}

function setup(profile: Profile) {
  const [dims, C, d, B] = [[8, 5], 3, 2, 4];
  const cfg = sgfdConfig(profile, { latentDim: d, delta: 2, tau: 2, kdWeight: 0.3, ceWeight: 0.7 });
  const model = new Sgfd(dims.map((dim, i) => ({ name: `m${i}`, dim })), C, cfg);
  const params = model.namedParameters('s');
  const rng = new Rng(9);
  const values = initialValues(params, rng);
  for (const [k, a] of values) if (k.endsWith('bias')) a.forEach((_, i) => (a[i] = rng.normal() * 0.1));
  const rows = dims.map((D) => Array.from({ length: B }, () => Array.from({ length: D }, () => rng.normal())));
  const labels = [0, 2, 1, 2];
  const build = (b: Binder) => {
    const raw = dims.map((D, i) => b.graph.input(`x${i}`, 'float32', ['B', D]));
    const y = b.graph.input('y', 'int64', ['B']);
    const mask = b.graph.input('mask', 'float32', ['B']);
    return { raw, y, mask, t: sgfdLoss(b, model, raw, y, mask) };
  };
  const feeds = {
    ...Object.fromEntries(dims.map((D, i) => [`x${i}`, { data: Float32Array.from(rows[i].flat()), dims: [B, D] }])),
    y: { data: BigInt64Array.from(labels.map(BigInt)), dims: [B] },
    mask: { data: new Float32Array(B).fill(1), dims: [B] },
  };
  return { dims, C, d, model, params, values, rows, labels, build, feeds };
}

for (const profile of ['reference', 'paper'] as const) {
  test(`SGFD objective (${profile} profile) equals the plain-JS derivation`, async () => {
    const s = setup(profile);
    const fwd = await compileForward(s.params, (b) => {
      const { t } = s.build(b);
      return { tce: t.tce, fce: t.fce, ld: t.ld, fd: t.fd, total: jointObjective(t, s.model.cfg) };
    });
    const out = await fwd.run(s.values, s.feeds);
    const want = jsLoss(profile, s.values, s.rows, s.labels, s.dims, s.C, s.d);
    for (const k of ['tce', 'fce', 'ld', 'fd', 'total'] as const) close((out[k].data as Float32Array)[0], want[k], 2e-5);
    assert.ok(want.ld > 0 && want.fd > 0, 'distillation terms are non-trivial');
  });
}

test('gradients: reference lets distillation pull the teacher, paper stops it there', async () => {
  for (const profile of ['reference', 'paper'] as const) {
    const s = setup(profile);
    const fwd = await compileForward(s.params, (b) => {
      const { t } = s.build(b);
      const kd = G.add(t.ld, t.fd);
      const teacherW = b.param(s.model.teacher.extractors[0].layers[0].weight);
      const studentW = b.param(s.model.student.extractors[0].weight);
      const fusionW = b.param(s.model.teacher.fusion.weight);
      const [dt, ds, df] = G.grad(kd, [teacherW, studentW, fusionW]);
      const norm = (x: G.Value) => G.reduceSum(G.abs(x));
      return { teacher: norm(dt), student: norm(ds), fusion: norm(df) };
    });
    const out = await fwd.run(s.values, s.feeds);
    const n = (k: string) => (out[k].data as Float32Array)[0];
    assert.ok(n('student') > 1e-6, `${profile}: KD reaches the student`);
    assert.equal(n('fusion'), 0, `${profile}: KD never reaches the fusion layer`);
    if (profile === 'reference') assert.ok(n('teacher') > 1e-6, 'reference: KD also moves the teacher');
    else assert.equal(n('teacher'), 0, 'paper: the teacher is detached from KD');
  }
});

test('distillation mask: a modality left out of cfg.distilled has no LD/FD term (and no KD gradient); all kept = unmasked', async () => {
  const s = setup('paper');
  const run = async (distilled?: string[]) => {
    const model = new Sgfd(s.dims.map((dim, i) => ({ name: `m${i}`, dim })), s.C, { ...s.model.cfg, distilled });
    const params = model.namedParameters('s');
    const fwd = await compileForward(params, (b) => {
      const raw = s.dims.map((D, i) => b.graph.input(`x${i}`, 'float32', ['B', D]));
      const t = sgfdLoss(b, model, raw, b.graph.input('y', 'int64', ['B']), b.graph.input('mask', 'float32', ['B']));
      const [g1] = G.grad(G.add(t.ld, t.fd), [b.param(model.student.extractors[1].weight)]);
      return { ld: t.ld, fd: t.fd, total: jointObjective(t, model.cfg), kdGradStudent1: G.reduceSum(G.abs(g1)), ...Object.fromEntries(Object.entries(t.perModality).map(([k, v]) => [k.replace('.', '_'), v])) };
    });
    const out = await fwd.run(s.values, s.feeds);
    await fwd.release();
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, (v.data as Float32Array)[0]]));
  };
  const plain = await run();
  const all = await run(['m0', 'm1']);
  const only0 = await run(['m0']);
  assert.deepEqual(Object.keys(plain).sort(), ['fd', 'kdGradStudent1', 'ld', 'total'], 'no per-modality terms without a mask');
  for (const k of ['ld', 'fd', 'total']) assert.equal(all[k], plain[k], `${k}: every modality kept = the unmasked loss`);
  close(all.ld_m0 + all.ld_m1, all.ld);
  close(all.fd_m0 + all.fd_m1, all.fd);
  assert.ok(all.ld_m1 > 0 && all.fd_m1 > 0 && all.kdGradStudent1 > 1e-6);
  close(only0.ld, all.ld_m0);
  close(only0.fd, all.fd_m0);
  assert.deepEqual([only0.ld_m1, only0.fd_m1, only0.kdGradStudent1], [0, 0, 0], 'the dropped modality: zero terms, its student gets no KD gradient');
  assert.equal((await run([])).ld, 0);
});
