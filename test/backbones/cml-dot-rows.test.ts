// CML's score as a dot product of derived rows (Backbone.dotRows): ⟨[2u, ‖u‖², 1], [v, −1, −‖v‖²]⟩
// equals −‖u − v‖², so the native dot kernel ranks CML exactly as its pair graph does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backboneSpec, resolveBackboneConfig } from '../../src/backbones/index.ts';
import { makeDataset } from '../../src/data/dataset.ts';

function cml(d: number) {
  const ds = makeDataset({
    nUsers: 2, nItems: 3,
    interactions: { user: Int32Array.from([0, 1]), item: Int32Array.from([0, 1]), split: Int8Array.from([0, 0]), timestamp: null },
    labels: null, nLabels: 0, labelNames: null, modalities: [],
    meta: { name: 'tiny', source: 'test', created: null, synthetic: true, notes: {} },
  });
  const spec = backboneSpec('cml');
  return spec.create(ds, resolveBackboneConfig(spec, { embedding_dim: d }), null, null);
}

test('CML dot rows: hand-computed rows and scores', () => {
  const rows = cml(2).dotRows!(Float32Array.of(1, 0, 0.5, 0.5), Float32Array.of(0, 1, 1, 0, 0.5, 0.5));
  assert.equal(rows.dim, 4);
  assert.deepEqual(Array.from(rows.users), [2, 0, 1, 1, 1, 1, 0.5, 1]);
  assert.deepEqual(Array.from(rows.items), [0, 1, -1, -1, 1, 0, -1, -1, 0.5, 0.5, -1, -0.5]);
  const score = (u: number, i: number) => [0, 1, 2, 3].reduce((s, j) => s + rows.users[u * 4 + j] * rows.items[i * 4 + j], 0);
  // −‖u − v‖²: user (1, 0) to items (0, 1), (1, 0), (0.5, 0.5); user (0.5, 0.5) to the same.
  assert.deepEqual([0, 1, 2].map((i) => score(0, i)), [-2, 0, -0.5]);
  assert.deepEqual([0, 1, 2].map((i) => score(1, i)), [-0.5, -0.5, 0]);
});

test('CML dot rows: −‖u − v‖² for random unit-ball rows, to float32 rounding', () => {
  const d = 16;
  let s = 7;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  const users = Float32Array.from({ length: 5 * d }, () => rnd() / 2);
  const items = Float32Array.from({ length: 9 * d }, () => rnd() / 2);
  const rows = cml(d).dotRows!(users, items);
  for (let u = 0; u < 5; u++) for (let i = 0; i < 9; i++) {
    let got = 0, want = 0;
    for (let j = 0; j < d + 2; j++) got += rows.users[u * (d + 2) + j] * rows.items[i * (d + 2) + j];
    for (let j = 0; j < d; j++) want -= (users[u * d + j] - items[i * d + j]) ** 2;
    assert.ok(Math.abs(got - want) < 1e-6, `user ${u}, item ${i}: ${got} vs ${want}`);
  }
});
