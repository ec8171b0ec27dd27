import test from 'node:test';
import assert from 'node:assert/strict';
import { makeDataset } from '../../src/data/dataset.ts';
import { datasetStats, formatStats, quantiles } from '../../src/data/stats.ts';

const ds = makeDataset({
  nUsers: 4, nItems: 5,
  interactions: {
    // user 0: train 0,1 test 2 | user 1: train 1 valid 3 | user 2: train 0,1,2 | user 3: none
    user: Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2]), item: Int32Array.from([0, 1, 2, 1, 3, 0, 1, 2]),
    split: Int8Array.from([0, 0, 2, 0, 1, 0, 0, 0]), timestamp: null,
  },
  labels: Int32Array.from([0, 1, 1, -1, 0]), nLabels: 2, labelNames: ['cats', 'dogs'],
  modalities: [{ name: 'image', dim: 2, data: Float32Array.from([3, 4, 0, 1, 0, 0, 6, 8, 1, 0]) }],
  meta: { name: 'hand', source: 'test', created: null, synthetic: false, notes: {} },
});

test('stats on a hand-built dataset', () => {
  const s = datasetStats(ds);
  assert.equal(s.users, 4);
  assert.equal(s.items, 5);
  assert.equal(s.interactions, 8);
  assert.deepEqual(s.splits, { train: 6, valid: 1, test: 1 });
  assert.equal(s.density, 8 / 20);
  assert.deepEqual(s.userDegree, { min: 0, p25: 2, p50: 3, p75: 3, p90: 3, p99: 3, max: 3, mean: 2 });
  assert.deepEqual([s.itemDegree.min, s.itemDegree.max, s.itemDegree.mean], [0, 3, 1.6]);
  assert.equal(s.labels, 2);
  assert.deepEqual(s.labelCounts, { cats: 2, dogs: 2 });
  assert.equal(s.unlabeledItems, 1);
  assert.deepEqual(s.modalities, { image: 2 });
  assert.deepEqual(s.featureNorms.image, { min: 0, mean: 3.4, max: 10 });
  assert.equal(s.usersWithoutTrain, 1); // user 3 has nothing at all
  assert.equal(s.usersWithoutTest, 3);
  assert.equal(s.coldItems, 2); // items 3 (valid only) and 4 (never seen)
  assert.equal(s.coldItemsInHeldOut, 1);
  assert.equal(s.synthetic, false);
});

test('the text report states the essentials, and flags synthetic data first', () => {
  const text = formatStats(datasetStats(ds));
  assert.match(text, /^name {12}hand$/m);
  assert.match(text, /interactions {4}8 {2}\(train 6 \/ valid 1 \/ test 1\)/);
  assert.match(text, /cold items {6}2 never in train \(1 of them in valid\/test\)/);
  assert.match(text, /image {9}2-d, row L2 norm min 0\.000 mean 3\.400 max 10\.00/);
  const synth = formatStats({ ...datasetStats(ds), synthetic: true });
  assert.match(synth.split('\n')[0], /^SYNTHETIC dataset/);
});

test('quantiles of an empty and a one-element array', () => {
  assert.deepEqual(quantiles(new Int32Array(0)), { min: 0, p25: 0, p50: 0, p75: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  assert.equal(quantiles(Int32Array.of(7)).p99, 7);
});
