import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERACTIONS_FILE, ITEMS_FILE, readDataset, writeDataset } from '../../src/data/arrow-io.ts';
import { makeDataset, splitCounts } from '../../src/data/dataset.ts';
import { generateSynthetic, SYNTH_DEFAULTS } from '../../src/data/synth.ts';
import { tempDir } from './helpers.ts';

const small = { users: 300, items: 240, categories: 6, density: 0.03, imageDim: 64, textDim: 32 };

test('same seed → identical bytes; another seed → different data', async (t) => {
  const dir = tempDir(t);
  await writeDataset(join(dir, 'a'), generateSynthetic({ ...small, seed: 5 }));
  await writeDataset(join(dir, 'b'), generateSynthetic({ ...small, seed: 5 }));
  await writeDataset(join(dir, 'c'), generateSynthetic({ ...small, seed: 6 }));
  for (const f of [INTERACTIONS_FILE, ITEMS_FILE, 'manifest.json']) {
    assert.ok(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), `${f} identical`);
    assert.ok(!readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'c', f))), `${f} differs for another seed`);
  }
});

test('default size: ~1,500 users, ~1,000 items, 12 categories, ~99.5 % sparse, 1024-d image, 384-d text', () => {
  const p = generateSynthetic();
  const n = p.interactions.user.length;
  assert.equal(p.nUsers, 1500);
  assert.equal(p.nItems, 1000);
  assert.equal(p.nLabels, 12);
  assert.deepEqual(p.modalities.map((m) => [m.name, m.dim]), [['image', 1024], ['text', 384]]);
  assert.ok(n > 6500 && n < 8500, `interactions ${n}`);
  const c = splitCounts(p.interactions.split);
  assert.ok(c.train / n > 0.75 && c.train / n < 0.85, `train share ${c.train / n}`);
  const ds = makeDataset(p);
  for (let u = 0; u < p.nUsers; u++) assert.ok(ds.csr.train.indptr[u + 1] > ds.csr.train.indptr[u], `user ${u} has a train item`);
  assert.equal(p.meta.synthetic, true);
  assert.match(p.meta.source, /SYNTHETIC/);
  assert.deepEqual(JSON.parse(p.meta.notes.generator).users, SYNTH_DEFAULTS.users);
});

test('activity is power-law: the busiest users have many times the median', () => {
  const p = generateSynthetic(small);
  const deg = new Int32Array(p.nUsers);
  for (const u of p.interactions.user) deg[u]++;
  const sorted = Array.from(deg).sort((a, b) => a - b);
  assert.ok(sorted[0] >= 3);
  assert.ok(sorted[sorted.length - 1] >= 5 * sorted[sorted.length >> 1], `max ${sorted[sorted.length - 1]} vs median ${sorted[sorted.length >> 1]}`);
});

/** Nearest-centroid accuracy: centroids from even items, evaluated on odd items. */
function nearestCentroidAccuracy(data: Float32Array, dim: number, labels: Int32Array, nLabels: number): number {
  const centroid = new Float64Array(nLabels * dim);
  const count = new Int32Array(nLabels);
  for (let i = 0; i < labels.length; i += 2) {
    count[labels[i]]++;
    for (let d = 0; d < dim; d++) centroid[labels[i] * dim + d] += data[i * dim + d];
  }
  for (let c = 0; c < nLabels; c++) for (let d = 0; d < dim; d++) centroid[c * dim + d] /= Math.max(1, count[c]);
  let correct = 0;
  let total = 0;
  for (let i = 1; i < labels.length; i += 2) {
    let best = 0;
    let bestDist = Infinity;
    for (let c = 0; c < nLabels; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) { const x = data[i * dim + d] - centroid[c * dim + d]; s += x * x; }
      if (s < bestDist) { bestDist = s; best = c; }
    }
    total++;
    if (best === labels[i]) correct++;
  }
  return correct / total;
}

test('planted structure: a label classifier on the features beats chance by a wide margin', async (t) => {
  const dir = join(tempDir(t), 'ds');
  await writeDataset(dir, generateSynthetic());
  const ds = readDataset(dir);
  const chance = 1 / ds.nLabels;
  for (const m of ds.modalities) {
    const acc = nearestCentroidAccuracy(m.data, m.dim, ds.labels!, ds.nLabels);
    assert.ok(acc > 4 * chance, `${m.name}: accuracy ${acc} vs chance ${chance}`);
  }
  const noiseOnly = generateSynthetic({ ...small, noise: 50 });
  const accNoisy = nearestCentroidAccuracy(noiseOnly.modalities[1].data, 32, noiseOnly.labels!, 6);
  assert.ok(accNoisy < 0.5, `drowning the signal in noise lowers accuracy (${accNoisy})`);
});

test('planted preferences: users concentrate on few categories', () => {
  const p = generateSynthetic();
  const perUser = new Map<number, Int32Array>();
  const { user, item } = p.interactions;
  for (let r = 0; r < user.length; r++) {
    if (!perUser.has(user[r])) perUser.set(user[r], new Int32Array(p.nLabels));
    perUser.get(user[r])![p.labels![item[r]]]++;
  }
  let top = 0;
  let all = 0;
  for (const counts of perUser.values()) {
    const sorted = Array.from(counts).sort((a, b) => b - a);
    top += sorted[0] + sorted[1] + sorted[2];
    all += sorted.reduce((a, b) => a + b, 0);
  }
  assert.ok(top / all > 0.8, `share of each user's top-3 categories ${top / all} (uniform would be ${3 / p.nLabels})`);
});

test('bad knobs are rejected with the knob named', () => {
  assert.throws(() => generateSynthetic({ users: 0 }), /synth users: expected a positive integer, got 0/);
  assert.throws(() => generateSynthetic({ density: 0.0001 }), /synth density: expected a value in/);
  assert.throws(() => generateSynthetic({ valid: 0.6, test: 0.5 }), /synth valid\/test/);
});
